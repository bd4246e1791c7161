"""Read the digit, or the number, in image files of any size (PNG, JPEG, ...): drawings, scans or
photos.

Usage: `python -m model.predict IMAGE... [--number] [--run DIR] [--calibrated] [--json]`.

The probabilities are the run's answer (`model.core.answer`): with its test-time augmentation if it
uses one, temperature-scaled with --calibrated (when the run is calibrated); one line on stderr and
each JSON object's "probabilities_are" say which.

With --json, one JSON object per image and line:
- a digit: {"path": ..., "digit": 7, "confidence": 0.99, "probabilities": [10 numbers]}; a mark that
  is not a digit: "digit": null, "refusal": "not a digit", "reason": "not a digit", and the
  probabilities as the best guess; an empty image: "digit": null, "refusal": "empty" and its own
  "reason" (also given as "error", as before);
- a number (--number): {"path": ..., "number": "1907", "digits": [{"digit": 1, "probabilities":
[...],
  "box": [x, y, w, h]}, ...]}; parts refused as not digits are listed with "digit": null, a
  "refusal" and a "reason", and left out of "number"; "number": null, "refusal": "nothing readable"
  and a "reason" when nothing readable is found;
- a file that cannot be read at all: "digit" (or "number") null, an "error" and its "refusal"
  ("unreadable image", "too large").
"refusal" is a kind of `model.reading.refusal.Refusal`; "reason" its text there (or the details).
The exit code is 0 when every file was read or refused, 1 when a file could not be read, 2 when the
model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from model import config
from model.core.answer import RunModel, describe, load_run_model, scale
from model.core.runs import RunError, default_run_dir
from model.reading.classify import Classification, classify
from model.reading.preprocess import ImageReadError, read_image_file
from model.reading.refusal import Refusal, RefusedImage, text
from model.reading.segment import read_number


def _rounded(classification: Classification) -> list[float]:
    return [round(float(p), 6) for p in classification.probabilities]


def _scaled(model: RunModel, classification: Classification, calibrated: bool) -> Classification:
    """`classification` with its (raw) probabilities temperature-scaled as `calibrated` says."""
    scaled = scale(model, classification.probabilities, calibrated=calibrated)
    return replace(classification, probabilities=scaled.probabilities)


def _refusal(classification: Classification) -> dict:
    """The "refusal" and "reason" of a refused mark; nothing for a digit read."""
    if classification.refusal is None:
        return {}
    return {"refusal": classification.refusal.value, "reason": classification.reason}


def _refused_file(path: Path, key: str, error: RefusedImage) -> dict:
    """A file refused before any digit is read: unreadable ones have an "error", others (empty) a
    "reason" (and, read as a digit, the same "error"; read as a number, no "digits")."""
    refused: dict[str, object] = {"path": str(path), key: None, "refusal": error.kind.value}
    if isinstance(error, ImageReadError):
        return refused | {"error": str(error)}
    details: dict[str, object] = {"error": str(error)} if key == "digit" else {"digits": []}
    return refused | {"reason": str(error)} | details


def answer(model: RunModel, path: Path, *, calibrated: bool = False) -> dict:
    """The JSON-ready reading of one file as one digit (see the module docstring)."""
    try:
        result = _scaled(model, classify(model, read_image_file(path)), calibrated)
    except RefusedImage as error:
        return _refused_file(path, "digit", error)
    reading = {
        "path": str(path),
        "digit": result.answer,
        "confidence": round(result.confidence, 6),
        "probabilities": _rounded(result),
    }
    return reading | _refusal(result)


def _part(classification: Classification) -> dict:
    part = {
        "digit": classification.answer,
        "probabilities": _rounded(classification),
        "box": None if classification.box is None else list(classification.box),
    }
    return part | _refusal(classification)


def answer_number(model: RunModel, path: Path, *, calibrated: bool = False) -> dict:
    """The JSON-ready reading of one file as a number (see the module docstring)."""
    try:
        reading = read_number(model, read_image_file(path))
    except RefusedImage as error:
        return _refused_file(path, "number", error)
    parts = [_part(_scaled(model, c, calibrated)) for c in reading.classifications]
    if not reading.text:
        nothing = Refusal.NOTHING_READABLE
        return {
            "path": str(path),
            "number": None,
            "refusal": nothing.value,
            "reason": text(nothing).reason,
            "digits": parts,
        }
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
    parser.add_argument(
        "--calibrated", action="store_true", help="temperature-scaled probabilities (if calibrated)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per image and line")
    args = parser.parse_args(argv)
    try:
        model = load_run_model(args.run or default_run_dir(config.RUNS_DIR))
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    read = answer_number if args.number else answer
    described = describe(
        calibrated=args.calibrated and model.temperature is not None, tta=model.tta
    )
    print(f"probabilities: {described}", file=sys.stderr)
    failed = 0
    for path in args.images:
        result = read(model, path, calibrated=args.calibrated)
        result |= {"probabilities_are": described} if "error" not in result else {}
        failed += "error" in result and "reason" not in result
        print(json.dumps(result) if args.json else _format(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
