"""Print the Draw page's latency in Chromium: from the last mouse-up of a stroke to the prediction
shown, and the server requests each stroke costs.

Usage: `python bench/draw_latency.py [--url http://127.0.0.1:8050] [--strokes 30] [--run DIR]`.
Without --url it starts `python -m dashboard` on a free port with the shipped model (or --run)
and stops it at the end. Each round clears the canvas, draws a one-stroke digit (0, 1, 2, 7)
with the real mouse in headless Chromium, and times, in the page, from the mouse-up to the
moment the text of #prediction changes. Prints the median and 90th percentile. Goal: median <= 120
ms. It also counts, in the page (a wrapper around `window.fetch`), the requests to Dash's
`/_dash-update-component` from the mouse-up until the page has been quiet for `QUIET_MS`: the
server round trips one stroke costs, and which outputs each one updates.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ids  # noqa: E402
from dashboard.drawing.reading import EMPTY_TEXT  # noqa: E402
from tests.support.chromium import browser  # noqa: E402
from tests.support.servers import dashboard  # noqa: E402
from tests.support.sketch import CANVAS, draw_digit  # noqa: E402

ONE_STROKE_DIGITS = (0, 1, 2, 7)
WAIT_SECONDS = 10
QUIET_MS = 400  # no request in flight or started for this long: the stroke's requests are all done
# Records, in the page, the time from each mouse-up to the next change of the prediction's text.
PROBE = f"""
window.latency = {{up: null, stroke: null, shown: []}};
document.addEventListener("mouseup", () => {{
  window.latency.up = window.latency.stroke = performance.now();
}}, true);
new MutationObserver(() => {{
  const probe = window.latency;
  if (probe.up !== null) {{ probe.shown.push(performance.now() - probe.up); probe.up = null; }}
}}).observe(document.getElementById("{ids.DRAW_PREDICTION}"),
           {{childList: true, characterData: true, subtree: true}});
window.requests = {{pending: 0, last: performance.now(), outputs: []}};
const fetchOnce = window.fetch;
window.fetch = function (resource, options) {{
  const counter = window.requests;
  if (String(resource.url || resource).includes("_dash-update-component")) {{
    let output = "?";
    try {{ output = JSON.parse(options.body).output; }} catch (error) {{}}
    counter.outputs.push(output);
    counter.pending += 1;
    counter.last = performance.now();
    const done = () => {{ counter.pending -= 1; counter.last = performance.now(); }};
    const answer = fetchOnce.apply(this, arguments);
    answer.then(done, done);
    return answer;
  }}
  return fetchOnce.apply(this, arguments);
}};
"""
QUIET = f"""return window.requests.pending === 0
  && performance.now() - window.requests.last >= {QUIET_MS};"""


def wait_for_text(driver, condition) -> str:
    """Wait until the prediction's text satisfies `condition`; return it."""
    from selenium.common.exceptions import NoSuchElementException
    from selenium.webdriver.common.by import By

    deadline, text = time.monotonic() + WAIT_SECONDS, None
    while time.monotonic() < deadline:
        try:
            text = driver.find_element(By.ID, ids.DRAW_PREDICTION).text
        except NoSuchElementException:  # the page is still rendering
            text = None
        if text is not None and condition(text):
            return text
        time.sleep(0.01)
    raise RuntimeError(f"the prediction did not change in {WAIT_SECONDS} s (it says {text!r})")


def wait_quiet(driver) -> None:
    """Wait until no Dash request has been in flight or started for `QUIET_MS`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not driver.execute_script(QUIET):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the page still sends requests after {WAIT_SECONDS} s")
        time.sleep(0.02)


def measure(url: str, strokes: int) -> tuple[list[float], list[float], list[list[str]]]:
    """Milliseconds from mouse-up to the prediction shown and to the last answer received, and the
    outputs of each request sent, for `strokes` strokes on a cleared canvas."""
    from selenium.webdriver.common.by import By

    driver = browser()
    try:
        driver.get(f"{url}/draw")
        wait_for_text(driver, lambda text: text == EMPTY_TEXT)
        canvas = driver.find_element(By.CSS_SELECTOR, CANVAS)
        driver.execute_script(PROBE)
        clear = driver.find_element(By.ID, ids.DRAW_CLEAR)
        times, answered, requests = [], [], []
        for stroke in range(strokes + 2):  # the first two warm up the browser and the server
            if stroke:
                clear.click()
                wait_for_text(driver, lambda text: text == EMPTY_TEXT)
            wait_quiet(driver)
            driver.execute_script(
                "window.latency.up = null; window.latency.shown = [];window.requests.outputs = [];"
            )
            draw_digit(driver, canvas, ONE_STROKE_DIGITS[stroke % len(ONE_STROKE_DIGITS)])
            wait_for_text(driver, lambda text: text != EMPTY_TEXT)
            wait_quiet(driver)
            shown = driver.execute_script("return window.latency.shown;")
            if stroke >= 2:
                times.append(float(shown[0]))
                requests.append(driver.execute_script("return window.requests.outputs;"))
                answered.append(
                    driver.execute_script("return window.requests.last - window.latency.stroke;")
                )
        return times, answered, requests
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    """Measure and print the latency figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app (default: start one with the shipped model)")
    parser.add_argument("--strokes", type=int, default=30, help="strokes measured (default 30)")
    parser.add_argument(
        "--run",
        type=Path,
        help="run directory of the app started here (default: the run named in runs/DEFAULT)",
    )
    args = parser.parse_args(argv)
    if args.strokes < 1:
        parser.error(f"--strokes must be at least 1, got {args.strokes}")
    with contextlib.ExitStack() as stack:
        if args.url:
            url = args.url.rstrip("/")
        else:
            log_dir = stack.enter_context(tempfile.TemporaryDirectory())
            url, _ = stack.enter_context(
                dashboard(log_dir, *(["--run", str(args.run)] if args.run else []))
            )
        try:
            times, answered, requests = measure(url, args.strokes)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    median, p90 = np.percentile(times, [50, 90])
    print(f"Draw page, mouse-up to prediction shown, {len(times)} strokes in Chromium ({url}):")
    print(
        f"  median {median:.0f} ms, p90 {p90:.0f} ms, min {min(times):.0f} ms, max "
        f"{max(times):.0f} ms "
        f"(goal: median <= 120 ms) {'OK' if median <= 120 else 'OVER GOAL'}"
    )
    median, p90 = np.percentile(answered, [50, 90])
    print(
        f"  mouse-up to the stroke's last answer received: median {median:.0f} ms, p90 {p90:.0f} ms"
    )
    counts = [len(sent) for sent in requests]
    print(
        f"  server requests per stroke: median {np.median(counts):g}, min {min(counts)}, "
        f"max {max(counts)}"
    )
    for output in sorted({output for sent in requests for output in sent}):
        print(f"    {sum(sent.count(output) for sent in requests) / len(requests):.2f} x {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
