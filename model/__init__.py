"""The MNIST model package: the front doors (commands) at the top, the rooms behind them.

- `config.py`: every path and default, in one place.
- Commands, each a `main(argv=None) -> int` run by `python -m model.NAME`: `train`, `evaluate`,
  `predict`, `ensemble`, `calibrate`, `labels`, `gate_train`, `data`, `insight`.
- Groups by feature, importing downwards only (import-linter contracts in pyproject.toml):
  `insight` (saliency, activations, what-if, adversarial, derived files) and `trust`
  (comparison, label errors) over `training` over `generated` (material made for training and
  measuring the reader) over `reading` (drawings and photos) and `dataset` (statistics,
  projections) over `core` (MNIST, the run store, metrics, the predictor and its answer).

Nothing here imports Dash or Plotly, so the dashboard, the command-line tools and the tests all
share it.
"""
