"""The shipped run that answers with test-time augmentation and a temperature, found by what it is
(not by its directory name), and the displayed percentages of page outputs."""

from __future__ import annotations

import re
from pathlib import Path

from model import config
from model.core.calibration import read_temperature
from model.core.evaluation import run_uses_tta
from model.core.runs import list_runs

PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")


def shipped_tta_run() -> Path:
    """The first shipped run (by name) evaluated with test-time augmentation and calibrated."""
    for path in sorted(list_runs(config.RUNS_DIR)):
        if run_uses_tta(path) and read_temperature(path) is not None:
            return path
    raise LookupError(f"no calibrated run with test-time augmentation in {config.RUNS_DIR}")


def percentages(text: str) -> list[float]:
    """Every percentage written in `text` ("78.2%"), as fractions, in order."""
    return [float(number) / 100 for number in PERCENT.findall(text)]
