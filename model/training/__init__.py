"""Training: architectures, presets and recipes, the input pipeline, fitting, the training lock and
job."""
