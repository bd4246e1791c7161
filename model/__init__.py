"""The MNIST model module: data, architectures, training, inference and explanations.

Nothing here imports Dash or Plotly, so the dashboard, the command-line tools and the tests
all share it.
"""
