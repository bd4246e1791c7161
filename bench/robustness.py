"""Print how the reading holds up off the clean path, for the shipped model and digit gate.

Usage: `python bench/robustness.py [--run DIR] [--marks 200] [--pens 400] [--photos 300]`.
Prints: MNIST test accuracy and refusal rate (and accuracy with refusals counted as errors);
other writers (scikit-learn's optical digits, printed); non-digit marks refused, by kind; digits
drawn with any pen read (with and without stroke-width normalisation) and clean MNIST-like
renderings read; photographed numbers read exactly; the time of one reading.
Goals (issue 9): marks refused >= 95% each kind; MNIST refused <= 1%; other writers refused <= 2%;
MNIST accuracy with refusals as errors >= 99.6%; pen digits >= 99%; photos exact >= 95%.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import config  # noqa: E402
from model.core.answer import load_run_model  # noqa: E402
from model.core.mnist import load_mnist  # noqa: E402
from model.core.runs import default_run_dir  # noqa: E402
from model.generated import robustness
from model.reading.gate import load_gate  # noqa: E402


def _line(label: str, value: float | str, goal: str = "") -> None:
    shown = f"{value:.2%}" if isinstance(value, float) else value
    print(f"{label:<52} {shown:>10}  {goal}", flush=True)


def report(run: Path, *, marks: int, pens: int, photos: int) -> None:
    """Measure everything and print one line per figure."""
    predictor, gate, mnist = load_run_model(run), load_gate(), load_mnist()
    figures = robustness.mnist_test(predictor, gate, mnist)
    _line("MNIST test accuracy (best guess)", figures["accuracy"])
    _line("MNIST test refused", figures["refused"], "goal <= 1%")
    _line(
        "MNIST test accuracy, refusals counted as errors",
        figures["accuracy_refusals_wrong"],
        "goal >= 99.6%",
    )
    _line("MNIST test digits read right but refused", str(figures["correct_refused"]))
    images, labels = robustness.other_writers()
    figures = robustness.writers(predictor, gate, images, labels)
    _line("other writers accuracy (best guess, 1,797 digits)", figures["accuracy"])
    _line("other writers refused", figures["refused"], "goal <= 2%")
    _line("other writers accuracy, refusals counted as errors", figures["accuracy_refusals_wrong"])
    for kind, refused in robustness.marks_refused(predictor, gate, count=marks).items():
        _line(f"not-a-digit marks refused: {kind} ({marks})", refused, "goal >= 95%")
    images, labels = robustness.pen_digits(mnist, count=pens)
    _line(
        f"pen digits read, 50-250 px, pen <= height/4 ({pens})",
        robustness.read_rate(predictor, gate, images, labels),
        "goal >= 99%",
    )
    _line(
        "  the same without stroke-width normalisation",
        robustness.without_stroke_normalisation(
            lambda: robustness.read_rate(predictor, gate, images, labels)
        ),
    )
    images, labels = robustness.pen_digits(mnist, count=pens, thin_pens=True)
    _line(
        f"clean MNIST-like renderings read ({pens})",
        robustness.read_rate(predictor, gate, images, labels),
    )
    _line(
        "  the same without stroke-width normalisation",
        robustness.without_stroke_normalisation(
            lambda: robustness.read_rate(predictor, gate, images, labels)
        ),
    )
    figures = robustness.photos(predictor, gate, mnist, count=photos)
    _line(f"photographed numbers read exactly ({photos})", figures["exact"], "goal >= 95%")
    for n in range(1, 5):
        if f"exact_{n}_digits" in figures:
            _line(f"  {n} digit(s)", figures[f"exact_{n}_digits"])
    _line("  ms per photo (clean-up, split, read)", f"{figures['ms_per_photo']:.1f} ms")
    drawings = images[:100]
    timing = robustness.latency_ms(predictor, gate, drawings)
    _line(
        "one drawing read (preprocess + model + gate), p50/p99",
        f"{timing['p50']:.1f}/{timing['p99']:.1f} ms",
        "goal < 15 ms",
    )
    timing = robustness.latency_ms(predictor, gate, drawings, number=True)
    _line("one drawing read as a number, p50/p99", f"{timing['p50']:.1f}/{timing['p99']:.1f} ms")


def main(argv: list[str] | None = None) -> int:
    """Print the robustness figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=default_run_dir(config.RUNS_DIR))
    parser.add_argument("--marks", type=int, default=200, help="marks of each kind")
    parser.add_argument("--pens", type=int, default=400, help="pen digits")
    parser.add_argument("--photos", type=int, default=300, help="photo-like numbers")
    args = parser.parse_args(argv)
    if min(args.marks, args.pens, args.photos) < 1:
        parser.error(
            f"--marks, --pens and --photos must be >= 1, got {args.marks}, {args.pens}, "
            f"{args.photos}"
        )
    report(args.run, marks=args.marks, pens=args.pens, photos=args.photos)
    return 0


if __name__ == "__main__":
    sys.exit(main())
