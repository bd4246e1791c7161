"""The dataset's own label errors: likely mislabeled images found by confident learning (cleanlab).

Out-of-sample probabilities are needed: for the 60,000 training images they come from k-fold
cross-validation (`model.trust.crossval`, cached in `data/train_cv_probabilities.npy`), for the
10,000
test images from a trained run's stored test probabilities, temperature-scaled when the run is
calibrated (a model trained with label smoothing is underconfident, and confident learning
compares each probability with its class's mean confidence: on the raw probabilities of the
shipped model it finds no test suspect at all, on the calibrated ones two). cleanlab's
`find_label_issues` picks
the suspects; each gets its given label, the suggested label (the most probable class) and a
label-quality score in [0, 1] (lower: more likely wrong).

Usage: `python -m model.labels [--run runs/deep_cnn] [--folds 5] [--recompute]` writes
`data/label_suspects.json`: the /labels page reads its training-set suspects; it finds the test-set
suspects of whichever run is selected with the same `find_suspects` (once per run, in the service).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from model import config
from model.core.calibration import read_temperature, scale_if_calibrated
from model.core.mnist import DataError, load_mnist
from model.core.runs import RunError, default_run_dir, load_run, write_json

SUSPECTS_PATH = config.DATA_PATH.parent / "label_suspects.json"
CV_PROBABILITIES_PATH = config.DATA_PATH.parent / "train_cv_probabilities.npy"
SPLITS = ("train", "test")

log = logging.getLogger(__name__)


def find_suspects(labels: np.ndarray, probabilities: np.ndarray, *, split: str) -> list[dict]:
    """Likely label errors among `labels` (n,) given out-of-sample `probabilities` (n, 10), most
    suspect first.

    Each is a dict: split, index, given, suggested, score (cleanlab's self-confidence label
    quality).
    """
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    labels = np.asarray(labels).astype(np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (len(labels), config.NUM_CLASSES):
        raise ValueError(
            f"probabilities must have shape ({len(labels)}, 10), got {probabilities.shape}"
        )
    probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
    ranked = find_label_issues(
        labels, probabilities, return_indices_ranked_by="self_confidence", n_jobs=1
    )
    scores = get_label_quality_scores(labels, probabilities, method="self_confidence")
    suggested = probabilities.argmax(axis=1)
    return [
        {
            "split": split,
            "index": int(i),
            "given": int(labels[i]),
            "suggested": int(suggested[i]),
            "score": round(float(scores[i]), 6),
        }
        for i in ranked
    ]


def build_suspects_file(
    path: Path | str,
    *,
    train: tuple[np.ndarray, np.ndarray] | None,
    test: tuple[np.ndarray, np.ndarray] | None,
    sources: dict[str, str],
) -> dict:
    """Find the suspects of each split given as (labels, out-of-sample probabilities) and write them
    to `path`."""
    import cleanlab

    splits = {name: pair for name, pair in (("train", train), ("test", test)) if pair is not None}
    if not splits:
        raise ValueError("train and test are both None: give at least one split")
    suspects = [
        row
        for name, (labels, probs) in splits.items()
        for row in find_suspects(labels, probs, split=name)
    ]
    data = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "cleanlab": cleanlab.__version__,
        "sources": {name: sources.get(name, "") for name in splits},
        "counts": {name: sum(row["split"] == name for row in suspects) for name in splits},
        "suspects": suspects,
    }
    write_json(path, data)
    return data


SPLIT_SIZES = {"train": config.ARRAY_SHAPES["y_train"][0], "test": config.ARRAY_SHAPES["y_test"][0]}
SORTS = ("score", "index", "given", "suggested")
SHOWS = ("all", "unmarked", "wrong", "right")


def _valid_row(row: object) -> bool:
    """True when `row` is a suspect the page can show: a known split, an index inside it, digits, a
    score."""
    if not isinstance(row, dict) or row.get("split") not in SPLITS:
        return False
    values = [row.get(key) for key in ("index", "given", "suggested")]
    digits = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(digits) < len(values) or not isinstance(row.get("score"), (int, float)):
        return False
    return 0 <= digits[0] < SPLIT_SIZES[row["split"]] and all(
        0 <= v < config.NUM_CLASSES for v in digits[1:]
    )


def read_suspects(path: Path | str) -> dict | None:
    """The suspects file at `path` with only well-formed rows, or None when it is missing or
    unreadable (logged)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or not isinstance(data.get("suspects"), list):
            raise ValueError("no list 'suspects'")
    except (OSError, ValueError) as error:
        log.warning(
            "label suspects file %s is unreadable (%s): run `python -m model.labels`", path, error
        )
        return None
    rows = [row for row in data["suspects"] if _valid_row(row)]
    if len(rows) < len(data["suspects"]):
        log.warning(
            "label suspects file %s: %d malformed rows skipped",
            path,
            len(data["suspects"]) - len(rows),
        )
    return {**data, "suspects": rows}


def select_suspects(
    suspects: list[dict],
    marks: dict[str, dict],
    *,
    split: str,
    digit: int | None = None,
    sort: str = "score",
    show: str = "all",
) -> list[dict]:
    """The suspects of `split` whose given or suggested label is `digit` (any if None), filtered by
    their mark
    (`show`: all, unmarked, wrong, right) and sorted by `sort` (score: most suspect first)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}, got {sort!r}")
    if show not in SHOWS:
        raise ValueError(f"show must be one of {SHOWS}, got {show!r}")
    if digit is not None and (
        isinstance(digit, bool) or not isinstance(digit, int) or not 0 <= digit <= 9
    ):
        raise ValueError(f"digit must be 0-9 or None, got {digit!r}")

    def wanted(row: dict) -> bool:
        verdict = marks.get(f"{row['split']}:{row['index']}", {}).get("verdict")
        return (
            row["split"] == split
            and (digit is None or digit in (row["given"], row["suggested"]))
            and (show == "all" or verdict == (None if show == "unmarked" else show))
        )

    chosen = [row for row in suspects if wanted(row)]
    return sorted(chosen, key=lambda row: (row[sort], row["score"], row["index"]))


def train_probabilities(path: Path, *, folds: int, recompute: bool) -> np.ndarray:
    """The cached cross-validated probabilities of the training images at `path`, computed first if
    needed."""
    from model.trust.crossval import cross_validated_probabilities

    if path.is_file() and not recompute:
        return np.load(path, allow_pickle=False).astype(np.float32)
    mnist = load_mnist()
    probabilities = cross_validated_probabilities(mnist.x_train, mnist.y_train, folds=folds)
    np.save(path, probabilities.astype(np.float16))
    return probabilities


def main(argv: list[str] | None = None) -> int:
    """Compute (or reuse) the out-of-sample probabilities and write the suspects file."""
    from model.trust.crossval import DEFAULT_FOLDS, cross_validation_config

    parser = argparse.ArgumentParser(
        prog="python -m model.labels", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--run",
        type=Path,
        default=None,
        help="run whose test probabilities to use (default: the run named in runs/DEFAULT)",
    )
    parser.add_argument("--folds", type=int, default=DEFAULT_FOLDS)
    parser.add_argument(
        "--recompute", action="store_true", help="train the folds again even if cached"
    )
    parser.add_argument("--cv-cache", type=Path, default=CV_PROBABILITIES_PATH)
    parser.add_argument("--out", type=Path, default=SUSPECTS_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        mnist = load_mnist()
        run = load_run(args.run or default_run_dir(config.RUNS_DIR))
        train_probs = train_probabilities(args.cv_cache, folds=args.folds, recompute=args.recompute)
    except (DataError, RunError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    cfg = cross_validation_config()
    temperature = read_temperature(run.path)
    test_probs = scale_if_calibrated(run.probabilities, temperature)
    sources = {
        "train": f"{args.folds}-fold cross-validation, the {cfg.preset} preset "
        f"({cfg.architecture}, "
        f"{cfg.epochs} epochs, no label smoothing) per fold",
        "test": f"run {run.name} (test "
        f"probabilities{'' if temperature is None else ', calibrated'})",
    }
    data = build_suspects_file(
        args.out,
        train=(mnist.y_train, train_probs),
        test=(mnist.y_test, test_probs),
        sources=sources,
    )
    print(
        f"wrote {args.out}: {data['counts']['train']} training and {data['counts']['test']} test "
        "suspects"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
