"""Time every interaction of /network, /adversarial and the Draw page's what-if card, after the
first visit.

Usage: `python bench/network.py [--runs-dir DIR] [--repeats 5]`

Each interaction is one callback request through the app's HTTP dispatch (Flask's test client:
the callback, the figure and its JSON, no browser drawing), on every run of the runs directory
(default: the shipped runs/). The first request of each kind compiles the model's functions and
is reported apart ("first"); the median of the next `--repeats` (on other images, so that no
memoized attack is reused unless said) is the one the goal applies to: <= 300 ms. State the
machine's load (`uptime`) next to the figures: they are inflated by whatever else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ids  # noqa: E402
from dashboard.drawing.kept import KeptDigit, readings  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from model.core.mnist import pixels  # noqa: E402
from model.insight.whatif import SETTINGS  # noqa: E402
from tests.support.dash_client import callbacks  # noqa: E402

GOAL_MS = 300


def payload(callback, values: dict, changed: str) -> dict:
    """The request body of `callback` with `values` by "id.property"; pattern-matching ones get one
    entry per slider."""

    def fill(dependencies):
        filled = []
        for d in dependencies:
            if d["id"].startswith("{"):
                filled.append(
                    [
                        {
                            "id": {"setting": name, "type": ids.DRAW_WHATIF},
                            "property": d["property"],
                            "value": {"setting": name, "type": ids.DRAW_WHATIF}
                            if d["property"] == "id"
                            else values.get(f"slider.{d['property']}", {}).get(name),
                        }
                        for name in SETTINGS
                    ]
                )
            else:
                filled.append({**d, "value": values.get(f"{d['id']}.{d['property']}")})
        return filled

    return {
        "output": callback.output,
        "outputs": callback.outputs,
        "inputs": fill(callback.inputs),
        "state": fill(callback.state),
        "changedPropIds": [changed],
    }


def timed(client, callback, values: dict, changed: str) -> float:
    """Milliseconds of one callback request; a failed request raises."""
    start = time.perf_counter()
    response = client.post("/_dash-update-component", json=payload(callback, values, changed))
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(
            f"{callback.output} answered {response.status_code}: {response.data[:200]!r}"
        )
    json.loads(response.data)
    return elapsed


def interactions(service, run: str) -> dict[str, tuple[str, str, callable]]:
    """Each interaction: (output it updates, the changed input, values for the i-th request)."""

    def drawing(i):
        """The id of test image 100 + i kept as a drawing, as the Draw page keeps a stroke's."""
        image = pixels(service.mnist.x_test[100 + i])
        probabilities = service.predictor(run).predict(image)
        read = KeptDigit(image, int(probabilities.argmax()), float(probabilities.max()))
        return readings().put([read])

    base = {f"{ids.RUN_SELECT}.value": run, f"{ids.PROBABILITY_SCALE}.value": "calibrated"}

    def sliders(i):
        return {
            "slider.drag_value": {"rotation": -40 + 5 * i, "scale": 1.1, "shift_x": 1},  # noqa: E731
            "slider.value": {"rotation": -40 + 5 * i, "thickness": 0.5},
        }

    return {
        "network: feature maps of a test image": (
            f"{ids.NETWORK_MAPS}.figure",
            f"{ids.NETWORK_INDEX}.value",
            lambda i: {
                **base,
                f"{ids.NETWORK_SOURCE}.value": "test",
                f"{ids.NETWORK_INDEX}.value": 10 + i,
            },
        ),
        "network: feature maps of the drawing": (
            f"{ids.NETWORK_MAPS}.figure",
            f"{ids.NETWORK_SOURCE}.value",
            lambda i: {
                **base,
                f"{ids.NETWORK_SOURCE}.value": "drawing",
                f"{ids.SHELL_DRAWING}.data": drawing(i),
            },
        ),
        "network: both maps (run chosen)": (
            f"{ids.NETWORK_FEATURE_MAP}.figure",
            f"{ids.RUN_SELECT}.value",
            lambda i: base,
        ),
        "what-if: reading while dragging": (
            f"{ids.DRAW_WHATIF_READING}.children",
            '{"setting":"rotation","type":"draw-whatif"}.drag_value',
            lambda i: {**base, f"{ids.DRAW_READ}.data": drawing(0), **sliders(i)},
        ),
        "what-if: sweep of every slider": (
            f"{ids.DRAW_WHATIF_SWEEP}.figure",
            '{"setting":"rotation","type":"draw-whatif"}.value',
            lambda i: {**base, f"{ids.DRAW_READ}.data": drawing(0), **sliders(i)},
        ),
        **{
            f"adversarial: smallest ε, {method}{aim}": (
                f"{ids.ADVERSARIAL_IMAGES}.figure",
                f"{ids.ADVERSARIAL_INDEX}.value",
                lambda i, method=method, target=target: {
                    **base,
                    f"{ids.ADVERSARIAL_SOURCE}.value": "test",
                    f"{ids.ADVERSARIAL_INDEX}.value": 20 + i,
                    f"{ids.ADVERSARIAL_METHOD}.value": method,
                    f"{ids.ADVERSARIAL_TARGET}.value": target,
                },
            )
            for method in ("fgsm", "pgd")
            for aim, target in (("", "any"), (" towards 8", 8))
        },
        "adversarial: robustness curve": (
            f"{ids.ADVERSARIAL_CURVE}.figure",
            f"{ids.RUN_SELECT}.value",
            lambda i: base,
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Print, per run and interaction, the first and the median later request; 1 if a goal is
    missed."""
    from dashboard.app import create_app
    from dashboard.service import current

    parser = argparse.ArgumentParser(
        prog="python bench/network.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    settings = Settings(**({"runs_dir": args.runs_dir} if args.runs_dir else {}))
    app = create_app(settings)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    failed = False
    with app.server.app_context(), app.server.test_client() as client:
        service, listed = current(), callbacks(client)
        for run in service.run_names():
            print(f"\nrun {run}{'':<33} first ms  median ms  goal <= {GOAL_MS} ms")
            for name, (output, changed, values) in interactions(service, run).items():
                callback = min(  # the Draw page's stroke updates the what-if card too: not that one
                    (
                        c
                        for c in listed
                        if f".{output}." in f".{c.output}." or f".{output}@" in c.output
                    ),
                    key=lambda c: c.output.count("..."),
                )
                first = timed(client, callback, values(0), changed)
                later = statistics.median(
                    timed(client, callback, values(i), changed) for i in range(1, args.repeats + 1)
                )
                failed |= later > GOAL_MS
                print(
                    f"  {name:<40} {first:>8.0f} {later:>10.0f}  "
                    f"{'ok' if later <= GOAL_MS else 'SLOW'}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
