"""The Draw page's readings, kept on the server under an id: bounded, per session and expiring.

Each stroke's reading (each digit's 28x28 model input, the digit read and its confidence) is put
here once; the page's stores hold only its id, and the views that look at the drawing again (the
heatmap method, the what-if sliders, /network and /adversarial) fetch it by id. The readings are
small files under the app's cache directory, so that every worker of a gunicorn server finds the
reading that another one kept. Bounds: at most `per_session` readings per session (the oldest
goes), at most `sessions` sessions (the least recently used goes) and `minutes` since a reading
was last used; an id that is unknown, expired or malformed reads as None ("draw again").

An id is "<session>-<reading>", both random hex: the session is that of the browser tab (the id of
its last drawing, in the shell's session store), so a tab's readings replace each other while
other tabs' stay.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import flask
import numpy as np

from model import config
from model.core.runs import write_with

log = logging.getLogger(__name__)

EXTENSION_KEY = "mnist-explorer-readings"
INPUT_SHAPE = (config.IMAGE_SIZE, config.IMAGE_SIZE)
MAX_DIGITS = 32  # more digits than a number on the canvas can hold
SESSION = re.compile(r"[0-9a-f]{32}")
ID = re.compile(r"(?P<session>[0-9a-f]{32})-(?P<reading>[0-9a-f]{16})")
DRAW_AGAIN = "That drawing is no longer kept on the server: draw it again."


@dataclass(frozen=True)
class KeptDigit:
    """One digit read, as the views need it: the model's 28x28 input, the digit read and its
    confidence."""

    input: np.ndarray  # float32 (28, 28) in [0, 1]
    digit: int
    confidence: float


def session_of(reading_id: object) -> str | None:
    """The session part of a well-formed reading id; None for anything else."""
    match = ID.fullmatch(reading_id) if isinstance(reading_id, str) else None
    return match["session"] if match else None


class ReadingStore:
    """Readings as files `directory/<session>/<reading>.npz`, bounded and expiring."""

    def __init__(
        self, directory: Path, *, per_session: int = 4, sessions: int = 256, minutes: float = 60
    ) -> None:
        if per_session < 1 or sessions < 1 or minutes <= 0:
            raise ValueError(
                f"per_session and sessions must be at least 1 and minutes positive, got "
                f"{per_session}, {sessions} and {minutes}"
            )
        self.directory = Path(directory)
        self.per_session, self.sessions, self.seconds = per_session, sessions, minutes * 60

    def put(self, digits: Sequence[KeptDigit], *, session: object = None) -> str:
        """Keep `digits` (1 to MAX_DIGITS) in `session` (a new one unless it is a session's id) and
        return their id."""
        if not 1 <= len(digits) <= MAX_DIGITS:
            raise ValueError(f"digits must hold 1 to {MAX_DIGITS} digits, got {len(digits)}")
        session = session if isinstance(session, str) and SESSION.fullmatch(session) else None
        folder = self.directory / (session or secrets.token_hex(16))
        if session is None or not folder.is_dir():
            self._prune_sessions()
        folder.mkdir(parents=True, exist_ok=True)
        reading = secrets.token_hex(8)
        arrays = {
            "inputs": np.stack([np.asarray(d.input, np.float32) for d in digits]),
            "digits": np.array([d.digit for d in digits], np.int64),
            "confidences": np.array([d.confidence for d in digits], np.float64),
        }
        write_with(folder / f"{reading}.npz", lambda temp: np.savez(temp, **arrays))
        self._prune(folder, keep=self.per_session)
        return f"{folder.name}-{reading}"

    def get(self, reading_id: object) -> list[KeptDigit] | None:
        """The digits kept under `reading_id`; None when it is unknown, expired or malformed."""
        match = ID.fullmatch(reading_id) if isinstance(reading_id, str) else None
        if match is None:
            return None
        path = self.directory / match["session"] / f"{match['reading']}.npz"
        try:
            if time.time() - path.stat().st_mtime > self.seconds:
                return None
            with np.load(path, allow_pickle=False) as data:
                digits = _checked(data["inputs"], data["digits"], data["confidences"])
            os.utime(path)  # used: it expires `minutes` from now
            os.utime(path.parent)
        except (OSError, KeyError, ValueError) as error:
            if not isinstance(error, FileNotFoundError):
                log.warning("kept reading %s cannot be read: %s", reading_id, error)
            return None
        return digits

    def _prune(self, folder: Path, *, keep: int) -> None:
        """Remove `folder`'s expired readings and all but its `keep` most recently used."""
        files = sorted(_entries(folder, "*.npz"), key=lambda f: f[1], reverse=True)
        now = time.time()
        for number, (path, used) in enumerate(files):
            if number >= keep or now - used > self.seconds:
                path.unlink(missing_ok=True)

    def _prune_sessions(self) -> None:
        """Before a session starts: remove expired sessions and the least recently used beyond
        `sessions - 1`."""
        folders = sorted(_entries(self.directory, "*"), key=lambda f: f[1], reverse=True)
        now = time.time()
        for number, (folder, used) in enumerate(folders):
            if number >= self.sessions - 1 or now - used > self.seconds:
                self._prune(folder, keep=0)
                with contextlib.suppress(OSError):  # a reading put there meanwhile keeps it
                    folder.rmdir()


def _entries(folder: Path, pattern: str) -> list[tuple[Path, float]]:
    """(path, modification time) of what matches `pattern` in `folder`; gone ones left out."""
    entries = []
    for path in folder.glob(pattern) if folder.is_dir() else []:
        with contextlib.suppress(FileNotFoundError):
            entries.append((path, path.stat().st_mtime))
    return entries


def _checked(inputs: np.ndarray, digits: np.ndarray, confidences: np.ndarray) -> list[KeptDigit]:
    """The kept digits of the arrays of one file; `ValueError` when they are not a reading."""
    count = len(digits)
    if (
        inputs.shape != (count, *INPUT_SHAPE)
        or confidences.shape != (count,)
        or not 1 <= count <= MAX_DIGITS
        or not np.isfinite(inputs).all()
    ):
        raise ValueError(f"arrays of shapes {inputs.shape}, {digits.shape}, {confidences.shape}")
    return [
        KeptDigit(image.astype(np.float32), int(digit), float(confidence))
        for image, digit, confidence in zip(inputs, digits, confidences, strict=True)
    ]


def attach(server: flask.Flask, store: ReadingStore) -> None:
    """Make `store` the one `readings()` returns inside `server`'s requests."""
    server.extensions[EXTENSION_KEY] = store


def readings() -> ReadingStore:
    """The reading store of the app handling the current request."""
    return flask.current_app.extensions[EXTENSION_KEY]


def kept_digits(reading_id: object) -> list[KeptDigit]:
    """The digits of reading `reading_id` in this app's store: [] for None or an empty value
    (nothing drawn); `ValueError` saying to draw again when the id is unknown, expired or
    malformed (an old store's pixels too)."""
    if reading_id is None or reading_id in ("", []):
        return []
    digits = readings().get(reading_id)
    if digits is None:
        raise ValueError(DRAW_AGAIN)
    return digits
