"""The command line of a training: `python -m model.train [--preset quick] [--arch deep_cnn]
[--epochs 30] [--out runs/NAME] ...`; see --help.

Options override the preset's; the training is admitted as the app's are
(`model.training.admission`: one at a time per runs directory, a free name unless --overwrite).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from model.core.mnist import DataError
from model.core.runs import RunError, refuse_shipped, written_summary
from model.training import recipe
from model.training.admission import TrainingBusyError, admitted_training
from model.training.architectures import ARCHITECTURES
from model.training.fit import train
from model.training.settings import PRECISIONS, PRESETS, STRATEGIES, TrainConfig, preset_config

DESCRIPTION = "Train an architecture on MNIST and write a complete run directory."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=DESCRIPTION)
    _model_options(parser)
    _recipe_options(parser)
    _run_options(parser)
    return parser


def _model_options(parser: argparse.ArgumentParser) -> None:
    """The preset, the architecture and the data: what is trained on what."""
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="a named recipe (quick: ~30 s, >= 99.0%%; strong: <= 10 min, ~99.7%%); "
        "options given explicitly override it; none: the shipped default model",
    )
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random rotation/zoom/shift (default: the preset's, else the architecture's own)",
    )
    parser.add_argument(
        "--augment-strength", type=float, default=None, help="1: 10 degrees, 10%% zoom, 2 px"
    )
    parser.add_argument(
        "--train-size", type=int, default=None, help="train on a random subset of this many images"
    )


def _recipe_options(parser: argparse.ArgumentParser) -> None:
    """How it is trained and evaluated: schedule, regularization, averaging, test-time shifts."""
    parser.add_argument("--learning-rate", type=float, default=None, help="peak learning rate")
    parser.add_argument("--schedule", choices=recipe.SCHEDULES, default=None)
    parser.add_argument("--label-smoothing", type=float, default=None)
    parser.add_argument(
        "--ema",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end with a moving average of the weights",
    )
    parser.add_argument(
        "--tta",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="evaluate with test-time augmentation (small shifts)",
    )
    parser.add_argument("--seed", type=int, default=None)


def _run_options(parser: argparse.ArgumentParser) -> None:
    """Where it runs and where the run goes."""
    parser.add_argument("--precision", choices=PRECISIONS, default=None)
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default=None, help="tf.distribute strategy"
    )
    parser.add_argument("--steps-per-execution", type=int, default=None)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run directory (default: runs/PRESET, else runs/ARCH); never a shipped run",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing run of that name"
    )


OPTIONS = {  # command-line option -> TrainConfig field
    "arch": "architecture",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "augment": "augment",
    "augment_strength": "augment_strength",
    "train_size": "train_size",
    "learning_rate": "learning_rate",
    "schedule": "schedule",
    "label_smoothing": "label_smoothing",
    "ema": "ema",
    "tta": "tta",
    "seed": "seed",
    "precision": "precision",
    "strategy": "strategy",
    "steps_per_execution": "steps_per_execution",
}


def _config(parser: argparse.ArgumentParser, args: argparse.Namespace) -> TrainConfig:
    """The `TrainConfig` of the command line: the preset (if any), overridden by the options
    given."""
    try:
        cfg = preset_config(
            args.preset,
            out=args.out,  # None: runs/PRESET, else runs/ARCH
            **{field: getattr(args, option) for option, field in OPTIONS.items()},
        )
        refuse_shipped(cfg.out, "trained over, even with --overwrite")
    except (ValueError, RunError) as error:
        parser.error(str(error))
    return cfg


def parse_args(argv: list[str] | None) -> TrainConfig:
    """Read the command line into a `TrainConfig`."""
    parser = _parser()
    return _config(parser, parser.parse_args(argv))


def main(argv: list[str] | None = None) -> int:
    """Train from the command line and print where the run went and its test accuracy."""
    parser = _parser()
    args = parser.parse_args(argv)
    cfg = _config(parser, args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        with admitted_training(cfg.out, overwrite=args.overwrite):
            run_dir = train(
                cfg, verbose=1 if sys.stdout.isatty() else 2
            )  # a log file gets one line an epoch
    except RunError as error:
        print(f"error: {error} (or pass --overwrite to replace it)", file=sys.stderr)
        return 2
    except (TrainingBusyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: no run was written", file=sys.stderr)
        return 130
    print(written_summary(run_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
