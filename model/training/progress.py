"""Live progress of a Keras fit, as plain dicts: what the job's record shows while it trains."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

Report = Callable[[dict], None]


def first_report(epochs: int) -> dict:
    """The report before the first batch: epoch 0 of `epochs`, nothing trained yet."""
    return {"epoch": 0, "epochs": epochs, "step": 0, "steps": 0, "fraction": 0.0, "history": []}


class Progress(keras.callbacks.Callback):
    """Reports {epoch, epochs, step, steps, fraction, history} at most every `every_seconds`, and
    after each epoch; calls `on_end()` when the fit ends (evaluation and saving follow)."""

    def __init__(
        self,
        report: Report,
        epochs: int,
        every_seconds: float,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.report, self.epochs, self.every_seconds, self.on_end = (
            report,
            epochs,
            every_seconds,
            on_end,
        )
        self.history: list[dict] = []
        self.epoch = 0
        self.last = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _send(self, step: int, steps: int) -> None:
        self.last = time.monotonic()
        fraction = (self.epoch + step / max(steps, 1)) / self.epochs
        self.report(
            {
                "epoch": self.epoch + 1,
                "epochs": self.epochs,
                "step": step,
                "steps": steps,
                "fraction": min(fraction, 1.0),
                "history": list(self.history),
            }
        )

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() - self.last >= self.every_seconds:
            self._send(batch + 1, self.params.get("steps") or 1)

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
        steps = self.params.get("steps") or 1
        self._send(steps, steps)

    def on_train_end(self, logs=None):
        if self.on_end is not None:
            self.on_end()
