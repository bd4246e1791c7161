"""Calibration: does "98% sure" mean right 98% of the time? Reliability bins, ECE/MCE, temperature
scaling.

Temperature scaling (Guo et al., 2017) divides the logits by one number T fitted on the validation
split; it never changes which digit wins, only how sure the model says it is. Stored probabilities
are enough: softmax(log p / T) equals softmax(logits / T), because log p differs from the logits by
a constant per image.

Usage: `python -m model.calibrate --run DIR` fits T for an existing run and writes
`calibration.json`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.core.runs import RunFiles, read_json, write_json

DEFAULT_BINS = 15
TEMPERATURE_BOUNDS = (0.05, 20.0)
_TINY = float(np.finfo(np.float32).tiny)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reliability:
    """Equal-width confidence bins: edges (bins+1,), and per bin the count, mean confidence and
    accuracy.

    Empty bins have count 0 and NaN confidence and accuracy.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def ece(self) -> float:
        """Expected calibration error: the count-weighted mean |accuracy - confidence| over the
        bins."""
        used = self.counts > 0
        total = self.counts.sum()
        if total == 0:
            return 0.0
        gaps = np.abs(self.accuracy[used] - self.confidence[used])
        return float((gaps * self.counts[used]).sum() / total)

    @property
    def mce(self) -> float:
        """Maximum calibration error: the largest |accuracy - confidence| of a non-empty bin."""
        used = self.counts > 0
        return (
            float(np.abs(self.accuracy[used] - self.confidence[used]).max()) if used.any() else 0.0
        )


def _check_probabilities(
    labels: np.ndarray, probabilities: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] != len(labels):
        raise ValueError(
            f"probabilities must have shape ({len(labels)}, classes), got {probabilities.shape}"
        )
    return labels, probabilities


def reliability(
    labels: np.ndarray, probabilities: np.ndarray, *, bins: int = DEFAULT_BINS
) -> Reliability:
    """Bin the top probability of each row of `probabilities` (n, k) into `bins` equal bins over [0,
    1]."""
    if not 1 <= bins <= 100:
        raise ValueError(f"bins must be between 1 and 100, got {bins}")
    labels, probabilities = _check_probabilities(labels, probabilities)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bin b holds (edges[b], edges[b+1]]; a confidence of exactly 0 goes to the first bin.
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, minlength=bins) / counts
        accuracy = np.bincount(which, correct, minlength=bins) / counts
    return Reliability(edges, counts, mean_confidence, accuracy)


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities (..., k) rescaled by `temperature` (> 0): softmax(log p / T), float32."""
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), _TINY, 1.0)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def scale_if_calibrated(probabilities: np.ndarray, temperature: float | None) -> np.ndarray:
    """`probabilities` rescaled by `temperature`, or as they are when it is None (a run that is not
    calibrated)."""
    return probabilities if temperature is None else apply_temperature(probabilities, temperature)


def negative_log_likelihood(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean -log p(true label) over the rows of `probabilities` (n, k)."""
    labels, probabilities = _check_probabilities(labels, probabilities)
    if len(labels) == 0:
        raise ValueError("labels is empty")
    picked = probabilities[np.arange(len(labels)), labels.astype(np.int64)]
    return float(-np.log(np.clip(picked, _TINY, 1.0)).mean())


def fit_temperature(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of `labels` under rescaled
    `probabilities`."""
    from scipy.optimize import minimize_scalar

    labels, probabilities = _check_probabilities(labels, probabilities)
    log_p = np.log(np.clip(probabilities, _TINY, 1.0))
    rows = np.arange(len(labels))
    true = labels.astype(np.int64)

    def nll(log_temperature: float) -> float:
        z = log_p / np.exp(log_temperature)
        z_max = z.max(axis=1)
        log_norm = z_max + np.log(np.exp(z - z_max[:, None]).sum(axis=1))
        return float((log_norm - z[rows, true]).mean())

    low, high = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(nll, bounds=(low, high), method="bounded", options={"xatol": 1e-5})
    return float(np.exp(result.x))


def calibration_summary(
    val_labels: np.ndarray,
    val_probabilities: np.ndarray,
    test_labels: np.ndarray,
    test_probabilities: np.ndarray,
    *,
    bins: int = DEFAULT_BINS,
) -> dict:
    """Fit the temperature on the validation split and measure NLL, ECE and MCE before and after, as
    JSON."""
    temperature = fit_temperature(val_labels, val_probabilities)
    val_after = apply_temperature(val_probabilities, temperature)
    test_after = apply_temperature(test_probabilities, temperature)
    raw, calibrated = (
        reliability(test_labels, test_probabilities, bins=bins),
        reliability(test_labels, test_after, bins=bins),
    )
    return {
        "temperature": temperature,
        "fitted_on": f"validation split ({len(val_labels)} images, seed {config.VALIDATION_SEED})",
        "bins": bins,
        "validation_nll": {
            "raw": negative_log_likelihood(val_labels, val_probabilities),
            "calibrated": negative_log_likelihood(val_labels, val_after),
        },
        "test_nll": {
            "raw": negative_log_likelihood(test_labels, test_probabilities),
            "calibrated": negative_log_likelihood(test_labels, test_after),
        },
        "test_ece": {"raw": raw.ece, "calibrated": calibrated.ece},
        "test_mce": {"raw": raw.mce, "calibrated": calibrated.mce},
    }


def write_calibration(run_dir: Path | str, summary: dict) -> Path:
    """Write `summary` to the run's `calibration.json` atomically (a reader never sees half a
    file)."""
    return write_json(RunFiles(Path(run_dir)).calibration, summary)


def read_temperature(run_dir: Path | str) -> float | None:
    """The run's fitted temperature, or None when it has no (readable) `calibration.json`."""
    path = RunFiles(Path(run_dir)).calibration
    if not path.is_file():
        return None
    try:
        temperature = float(read_json(path)["temperature"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("%s is unreadable (%s): the run is shown as not calibrated", path, error)
        return None
    if not np.isfinite(temperature) or temperature <= 0:
        log.warning(
            "%s holds temperature %r: the run is shown as not calibrated", path, temperature
        )
        return None
    return temperature


def read_calibration(run_dir: Path | str) -> dict | None:
    """The run's `calibration.json` as a dict, or None when missing or unreadable."""
    if read_temperature(run_dir) is None:
        return None
    return read_json(RunFiles(Path(run_dir)).calibration)
