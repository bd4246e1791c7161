"""How a model is optimized: learning-rate schedules, Adam (optionally with an EMA of the weights),
the loss,
and batch-norm settings that suit the length of the run.

Short runs on small subsets used to collapse (2 epochs on 2,048 images: 29%, worse than 1 epoch):
batch norm's moving statistics, updated with momentum 0.99, had seen too few batches to leave their
initial values, so evaluation ran on wrong statistics. `fit_batch_norm_to_run` lowers the momentum
so that the statistics forget their start within the run, and the one-cycle schedule's warm-up is a
fraction of the run rather than a whole epoch.
"""

from __future__ import annotations

import logging
import math

import keras

log = logging.getLogger(__name__)

SCHEDULES = ("one_cycle", "warmup_cosine")
ONE_CYCLE_START = (
    1 / 25
)  # the one-cycle schedule starts (and the warm-up starts) at this fraction of the peak
EMA_MIN_STEPS = (
    200  # fewer steps than this: an average of the weights would still weigh their random start
)
# batch norm's statistics average over about the last 1/(1 - momentum) steps; keep >= 10 per run
BATCH_NORM_HORIZON = 10


class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from `peak * ONE_CYCLE_START` to `peak` over `warmup_fraction` of the steps,
    then linear to 0."""

    def __init__(self, peak: float, total_steps: int, warmup_fraction: float = 0.25) -> None:
        if not 0 < warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be between 0 and 1, got {warmup_fraction}")
        self.peak = float(peak)
        self.total_steps = max(1, int(total_steps))
        self.warmup_steps = max(1, round(self.total_steps * warmup_fraction))
        self.warmup_fraction = warmup_fraction

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        start = self.peak * ONE_CYCLE_START
        rising = start + (self.peak - start) * step / self.warmup_steps
        falling = (
            self.peak * (self.total_steps - step) / max(1, self.total_steps - self.warmup_steps)
        )
        return keras.ops.maximum(keras.ops.where(step < self.warmup_steps, rising, falling), 0.0)

    def get_config(self) -> dict:
        return {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "warmup_fraction": self.warmup_fraction,
        }


def learning_rate_schedule(name: str, *, peak: float, steps_per_epoch: int, epochs: int):
    """The schedule `name` (one of `SCHEDULES`) over `epochs` of `steps_per_epoch` steps, peaking at
    `peak`."""
    total = steps_per_epoch * epochs
    if name == "one_cycle":
        return OneCycle(peak, total)
    if name == "warmup_cosine":  # the original recipe: one epoch of warm-up, then cosine decay
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=peak / 20,
            decay_steps=max(1, total - steps_per_epoch),
            warmup_target=peak,
            warmup_steps=steps_per_epoch,
            alpha=0.005,
        )
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {name!r}")


def ema_momentum(total_steps: int) -> float | None:
    """Momentum for an EMA of the weights over a run of `total_steps`: it averages over about its
    last 5%.

    None when the run is too short for an average to help (fewer than `EMA_MIN_STEPS` steps).
    """
    if total_steps < EMA_MIN_STEPS:
        return None
    return min(0.999, 1 - 20 / total_steps)


def optimizer(
    *, schedule, beta_1: float, beta_2: float, ema: bool, total_steps: int
) -> keras.optimizers.Adam:
    """Adam on `schedule`; with `ema`, the model ends with the moving average of its weights (when
    the run is long enough)."""
    momentum = ema_momentum(total_steps) if ema else None
    if ema and momentum is None:
        log.info(
            "EMA of the weights skipped: %d steps is fewer than %d", total_steps, EMA_MIN_STEPS
        )
    if momentum is None:
        return keras.optimizers.Adam(schedule, beta_1=beta_1, beta_2=beta_2)
    log.info("EMA of the weights with momentum %.4f", momentum)
    return keras.optimizers.Adam(
        schedule, beta_1=beta_1, beta_2=beta_2, use_ema=True, ema_momentum=momentum
    )


def loss(label_smoothing: float) -> keras.losses.Loss:
    """Cross-entropy on one-hot labels, smoothed by `label_smoothing` (0 for none)."""
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}")
    return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)


def batch_norm_momentum(total_steps: int) -> float:
    """Momentum for batch norm's moving statistics: 0.99, lowered so that a short run's last steps
    dominate them."""
    return min(0.99, max(0.5, 1 - BATCH_NORM_HORIZON / max(1, total_steps)))


def fit_batch_norm_to_run(model: keras.Model, total_steps: int) -> None:
    """Set the momentum of every batch-norm layer of `model` for a run of `total_steps` (before
    compiling)."""
    batch_norms = [
        layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not batch_norms:
        return
    momentum = batch_norm_momentum(total_steps)
    for layer in batch_norms:
        layer.momentum = momentum
    if momentum < 0.99:
        log.info("batch norm momentum %.3f for a short run of %d steps", momentum, total_steps)


def steps_rounded(steps: int, steps_per_execution: int) -> int:
    """`steps` rounded up to a whole number of executions of `steps_per_execution` steps."""
    return math.ceil(steps / steps_per_execution) * steps_per_execution
