"""Every path and default of the model module, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Data: the full MNIST dataset, shipped in the repository.
DATA_PATH = Path(os.environ.get("MNIST_DATA", PROJECT_ROOT / "data" / "mnist.npz"))
CANONICAL_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
CANONICAL_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# SHA-256 of each array's raw bytes (see data/README.md).
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
ARRAY_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}

# Training pixel statistics on a 0-1 scale; the models normalize with them in their first layer.
PIXEL_MEAN = 0.1307
PIXEL_STD = 0.3081

IMAGE_SIZE = 28
NUM_CLASSES = 10

# Validation: held out from the 60,000 training images with a fixed seed.
VALIDATION_SIZE = 5000
VALIDATION_SEED = 20261125

# Runs: one directory per training run.
# The default run is named in RUNS_DIR/DEFAULT (model/core/runs/store.py).
RUNS_DIR = Path(os.environ.get("MNIST_RUNS", PROJECT_ROOT / "runs"))

# Inference: below this top probability the model's answer is called unsure.
UNSURE_BELOW = 0.5

# Reading budgets: what one reading of an image may cost (model/reading/budget.py); over them, a
# clear refusal, never a long computation.
MAX_PIXELS = 40_000_000  # the most pixels an image file may claim in its header
MAX_DECODED_BYTES = 32 * 1024 * 1024  # ... and the most bytes it may decode to as it is stored
READ_PIXELS = 2_000_000  # a larger image is reduced to this many pixels before it is read
MAX_PARTS = 32  # the most digits a number may have
MAX_COMPONENTS = 4 * MAX_PARTS  # the most separate marks an image of a number may hold
MAX_CUT_SEARCHES = 2 * MAX_PARTS  # the most wide parts whose cuts are tried in one reading
READING_SECONDS = 10.0  # the longest one reading may take (checked between its stages)
