"""People's verdicts on label suspects ("label wrong" / "label right"), kept in a small JSON file.

The file maps "split:index" to {"verdict", "time"}. Every change reads, updates and rewrites it
under an exclusive lock on a lock file beside it, through a temporary file renamed into place, so
two users marking at once never lose each other's marks and a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from model import config
from model.core.runs import locked, write_json
from model.trust.labels import SPLITS

MARKS_PATH = config.DATA_PATH.parent / "label_marks.json"
VERDICTS = ("wrong", "right")
CSV_COLUMNS = ("split", "index", "given", "suggested", "score", "verdict", "marked_at")

log = logging.getLogger(__name__)


def mark_key(split: str, index: int) -> str:
    """The key of one image in the marks file, e.g. "test:247"."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"index must be a non-negative integer, got {index!r}")
    return f"{split}:{index}"


def read_marks(path: Path | str = MARKS_PATH) -> dict[str, dict]:
    """All marks by key; {} when the file is missing or unreadable (logged)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        marks = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        log.warning("label marks file %s is unreadable (%s): shown as no marks", path, error)
        return {}
    return marks if isinstance(marks, dict) else {}


def set_mark(
    path: Path | str, split: str, index: int, verdict: str | None, *, now: datetime | None = None
) -> dict:
    """Record `verdict` ("wrong", "right", or None to clear) for one image with the time; return all
    marks."""
    if verdict is not None and verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS} or None, got {verdict!r}")
    key = mark_key(split, index)
    path = Path(path)
    with locked(path.with_name(f".{path.name}.lock")):
        marks = read_marks(path)
        if verdict is None:
            marks.pop(key, None)
        else:
            stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            marks[key] = {"verdict": verdict, "time": stamp}
        write_json(path, marks)
    return marks


def marks_csv(suspects: list[dict], marks: dict[str, dict]) -> str:
    """The suspects as CSV (one row each, most suspect first) with each one's verdict and time, if
    marked."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in suspects:
        mark = marks.get(f"{row['split']}:{row['index']}", {})
        writer.writerow(
            {
                **{k: row[k] for k in CSV_COLUMNS[:5]},
                "verdict": mark.get("verdict", ""),
                "marked_at": mark.get("time", ""),
            }
        )
    return buffer.getvalue()
