"""The label suspects file (read once per change) and people's marks on it, for the /labels page."""

from __future__ import annotations

import threading
from pathlib import Path

from model.trust.label_marks import read_marks, set_mark
from model.trust.labels import read_suspects


class LabelStore:
    """The suspects computed by `python -m model.labels` and the marks file beside them."""

    def __init__(self, suspects_path: Path, marks_path: Path) -> None:
        self.suspects_path = Path(suspects_path)
        self.marks_path = Path(marks_path)
        self._cached: tuple[tuple, dict | None] = ((), None)
        self._lock = threading.Lock()

    def _stamp(self) -> tuple:
        try:
            stat = self.suspects_path.stat()
        except OSError:
            return ("missing",)
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def suspects(self) -> dict | None:
        """The suspects file's contents (read again only when the file changed); None if missing or
        unreadable."""
        stamp = self._stamp()
        with self._lock:
            if self._cached[0] == stamp:
                return self._cached[1]
        data = read_suspects(self.suspects_path)
        with self._lock:
            self._cached = (stamp, data)
        return data

    def marks(self) -> dict[str, dict]:
        """Every mark by "split:index" (a small file, read fresh so that two users see each other's
        marks)."""
        return read_marks(self.marks_path)

    def mark(self, split: str, index: int, verdict: str | None) -> dict[str, dict]:
        """Record one verdict (None clears it); return all marks."""
        return set_mark(self.marks_path, split, index, verdict)
