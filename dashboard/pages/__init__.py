"""The pages, one module each; Dash's page registry imports them (nothing else may: see
.importlinter)."""
