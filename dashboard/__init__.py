"""The MNIST explorer: a multi-page Dash app over the dataset and the trained runs in `model/`."""
