"""Measure every page at phone, tablet, laptop and desktop sizes: page width, graph sizes, the Draw
reading.

    python bench/responsive.py [--url http://127.0.0.1:8050]   (a running `python -m dashboard`)

Prints, per size and page: the page's scroll width against the viewport, each graph's size, and on
/draw where the reading (#prediction and the bars) is after a real stroke (touch at phone size).
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.support.chromium import browser
from tests.support.layout import SIZES, draw_and_locate_reading, measure_page

PAGES = ("/", "/dataset", "/training", "/errors", "/saliency", "/draw", "/train")


def main(argv: list[str] | None = None) -> int:
    """Open each page at each size and print the measures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    args = parser.parse_args(argv)
    worst = 0
    for name, (width, height, touch) in SIZES.items():
        driver = browser(width, height, touch=touch)
        try:
            for path in PAGES:
                driver.get(args.url + path)
                time.sleep(6)
                page = measure_page(driver)
                graphs = ", ".join(f"{g['id']} {g['width']}x{g['height']}" for g in page["graphs"])
                print(
                    f"{name:8} {path:10} page {page['scroll_width']} px wide in a "
                    f"{page['viewport_width']} px "
                    f"viewport of a {width} px screen  {graphs}"
                )
                worst = max(worst, page["scroll_width"] - width)
            driver.get(args.url + "/draw")
            time.sleep(6)
            reading = draw_and_locate_reading(driver, touch=touch)
            print(f"{name:8} /draw after a stroke: {reading}")
        finally:
            driver.quit()
    print(f"widest overflow: {worst} px")
    return 0 if worst <= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
