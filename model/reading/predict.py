"""Read the digit, or the number, in image files of any size (PNG, JPEG, ...): drawings, scans or
photos.

Usage: `python -m model.predict IMAGE... [--number] [--run DIR] [--json]`.

With --json, one JSON object per image and line:
- a digit: {"path": ..., "digit": 7, "confidence": 0.99, "probabilities": [10 numbers]}; a mark that
is
  not a digit: "digit": null, "reason": "not a digit", and the probabilities as the best guess; an
  empty image: "digit": null and its own "reason" (also given as "error", as before);
- a number (--number): {"path": ..., "number": "1907", "digits": [{"digit": 1, "probabilities":
[...],
  "box": [x, y, w, h]}, ...]}; parts refused as not digits are listed with "digit": null and a
  "reason", and left out of "number"; "number": null and a "reason" when nothing readable is found;
- a file that cannot be read at all: "digit" (or "number") null and an "error".
The exit code is 0 when every file was read or refused, 1 when a file could not be read, 2 when the
model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model import config
from model.core.predictor import Predictor, load_predictor
from model.core.runs import RunError, default_run_dir
from model.reading.classify import Classification, classify
from model.reading.preprocess import EmptyImageError, ImageReadError, read_image_file
from model.reading.segment import read_number

NOTHING_READABLE = "no digit found: every part was refused as not a digit"


def _rounded(classification: Classification) -> list[float]:
    return [round(float(p), 6) for p in classification.probabilities]


def answer(predictor: Predictor, path: Path) -> dict:
    """The JSON-ready reading of one file as one digit (see the module docstring)."""
    try:
        result = classify(predictor, read_image_file(path))
    except ImageReadError as error:
        return {"path": str(path), "digit": None, "error": str(error)}
    except EmptyImageError as error:
        return {"path": str(path), "digit": None, "reason": str(error), "error": str(error)}
    reading = {
        "path": str(path),
        "digit": result.answer,
        "confidence": round(result.confidence, 6),
        "probabilities": _rounded(result),
    }
    return reading | ({"reason": result.reason} if result.refused else {})


def _part(classification: Classification) -> dict:
    part = {
        "digit": classification.answer,
        "probabilities": _rounded(classification),
        "box": None if classification.box is None else list(classification.box),
    }
    return part | ({"reason": classification.reason} if classification.refused else {})


def answer_number(predictor: Predictor, path: Path) -> dict:
    """The JSON-ready reading of one file as a number (see the module docstring)."""
    try:
        reading = read_number(predictor, read_image_file(path))
    except ImageReadError as error:
        return {"path": str(path), "number": None, "error": str(error)}
    except EmptyImageError as error:
        return {"path": str(path), "number": None, "reason": str(error), "digits": []}
    parts = [_part(c) for c in reading.classifications]
    if not reading.text:
        return {"path": str(path), "number": None, "reason": NOTHING_READABLE, "digits": parts}
    return {"path": str(path), "number": reading.text, "digits": parts}


def _format(result: dict) -> str:
    """One line of plain text for a reading made by `answer` or `answer_number`."""
    if "error" in result and "reason" not in result:
        return f"{result['path']}: error: {result['error']}"
    if "number" in result:
        return (
            f"{result['path']}: {result['number']}"
            if result["number"]
            else f"{result['path']}: {result['reason']}"
        )
    if "probabilities" not in result:
        return f"{result['path']}: {result['reason']}"
    ranked = sorted(range(config.NUM_CLASSES), key=lambda d: -result["probabilities"][d])
    if result["digit"] is None:
        guess = f"best guess {ranked[0]}, {result['confidence']:.1%}"
        return f"{result['path']}: {result['reason']} ({guess})"
    others = ", ".join(f"{d}: {result['probabilities'][d]:.1%}" for d in ranked[1:3])
    return f"{result['path']}: {result['digit']} ({result['confidence']:.1%}; then {others})"


def main(argv: list[str] | None = None) -> int:
    """Read every image named on the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m model.predict", description=__doc__.splitlines()[0]
    )
    parser.add_argument("images", nargs="+", type=Path, help="image files")
    parser.add_argument("--number", action="store_true", help="read a number of one or more digits")
    parser.add_argument(
        "--run",
        type=Path,
        default=None,
        help="run directory (default: the run named in runs/DEFAULT)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per image and line")
    args = parser.parse_args(argv)
    try:
        predictor = load_predictor(args.run or default_run_dir(config.RUNS_DIR))
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.images:
        result = answer_number(predictor, path) if args.number else answer(predictor, path)
        failed += "error" in result and "reason" not in result
        print(json.dumps(result) if args.json else _format(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
