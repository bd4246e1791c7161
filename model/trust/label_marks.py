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
from model.core.spreadsheet import safe_cell
from model.trust.labels import SPLITS

MARKS_PATH = config.DATA_PATH.parent / "label_marks.json"
VERDICTS = ("wrong", "right")
CSV_COLUMNS = ("split", "index", "given", "suggested", "score", "verdict", "marked_at")
SPLIT_SIZES = {split: config.ARRAY_SHAPES[f"y_{split}"][0] for split in SPLITS}  # 60,000 / 10,000

log = logging.getLogger(__name__)


def mark_key(split: str, index: int) -> str:
    """The key of one image in the marks file, e.g. "test:247"; `ValueError` for an image that the
    split does not have."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    size = SPLIT_SIZES[split]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        huge = isinstance(index, int) and abs(index) >= 10**12  # its text alone may be huge
        shown = f"a number of {index.bit_length()} bits" if huge else f"{index!r:.20}"
        raise ValueError(
            f"index must be an image of the {split} set (0 to {size - 1}), got {shown}"
        )
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
        cells = {
            **{k: row[k] for k in CSV_COLUMNS[:5]},
            "verdict": mark.get("verdict", ""),
            "marked_at": mark.get("time", ""),
        }
        writer.writerow({key: safe_cell(value) for key, value in cells.items()})
    return buffer.getvalue()
