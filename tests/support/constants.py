"""Names and sizes shared by the fixtures (tests/conftest.py), the tests and bench/."""

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
RUN_NAMES = ("baseline", "convnet")  # the tiny runs of the `runs_dir` fixture in tests/conftest.py
PROJECTION_SIZE = 300  # test images in the apps' projection during tests
TRAIN_FORM = {  # a small custom training as the Train page's form gives it
    "preset": "custom",
    "architecture": "baseline",
    "epochs": 2,
    "batch_size": 128,
    "train_size": 1024,
    "augment": False,
    "seed": 0,
}
