"""The core every feature stands on: MNIST, the run store, metrics, the predictor and its answer."""
