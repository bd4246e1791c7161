"""Predict the digit in image files of any size (PNG, JPEG, ...): drawings, scans or photos.

Usage: `python -m model.predict IMAGE... [--run DIR] [--json]`. With --json, one JSON object per
image and line: {"path": ..., "digit": 7, "probabilities": [10 numbers]}, or "digit": null and an
"error" for a file that is empty, unreadable or holds no digit. The exit code is 1 when any file
could not be answered, 2 when the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model import config
from model.inference import Predictor, classify, load_predictor
from model.preprocess import EmptyImageError, ImageReadError, read_image_file
from model.runs import RunError


def answer(predictor: Predictor, path: Path) -> dict:
    """The JSON-ready answer for one file: digit and probabilities, or digit None and an error."""
    try:
        result = classify(predictor, read_image_file(path))
    except (ImageReadError, EmptyImageError) as error:
        return {"path": str(path), "digit": None, "error": str(error)}
    return {
        "path": str(path),
        "digit": result.digit,
        "confidence": round(result.confidence, 6),
        "probabilities": [round(float(p), 6) for p in result.probabilities],
    }


def _format(result: dict) -> str:
    if result["digit"] is None:
        return f"{result['path']}: error: {result['error']}"
    ranked = sorted(range(config.NUM_CLASSES), key=lambda d: -result["probabilities"][d])
    others = ", ".join(f"{d}: {result['probabilities'][d]:.1%}" for d in ranked[1:3])
    return f"{result['path']}: {result['digit']} ({result['confidence']:.1%}; then {others})"


def main(argv: list[str] | None = None) -> int:
    """Answer every image named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m model.predict", description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path, help="image files")
    parser.add_argument("--run", type=Path, default=config.DEFAULT_RUN, help="run directory (default: the shipped model)")
    parser.add_argument("--json", action="store_true", help="one JSON object per image and line")
    args = parser.parse_args(argv)
    try:
        predictor = load_predictor(args.run)
    except RunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = 0
    for path in args.images:
        result = answer(predictor, path)
        failed += result["digit"] is None
        print(json.dumps(result) if args.json else _format(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
