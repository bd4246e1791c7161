"""Every page at phone (390x844, touch) and laptop (1024x768) size in headless Chromium: nothing
wider than the
screen, graphs of a usable size, small-multiple titles apart, the navigation reachable, and on /draw
the reading
on screen right after a real stroke (a finger at phone size, the mouse at laptop size)."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard import ids
from tests.support.layout import SIZES, draw_and_locate_reading, emulate, measure_page, on_screen

PAGES = {  # path: a selector that exists once the page has rendered its content
    "/": "#home-summary .stat",
    "/dataset": "#dataset-projection .scatterlayer .point",
    "/training": "#training-table tr.selected",
    "/errors": "#errors-cell img",
    "/saliency": "#saliency-heatmap .heatmaplayer",
    "/draw": ".draw-canvas canvas.upper-canvas",
    "/train": "#train-start",
}
SMALL_MULTIPLES = ("dataset-means", "dataset-spread", "saliency-heatmap")
OVERLAPS = """
const within = '#' + arguments[0];
const boxes = [...document.querySelectorAll(within + ' .annotation-text, ' + within + ' .gtitle')]
  .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
let overlaps = 0;
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  const across = a.left < b.right - 1 && b.left < a.right - 1;
  if (across && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps++;
}
return [boxes.length, overlaps];
"""


@pytest.fixture
def sized(dash_duo, app, request):
    """dash_duo at the size `request.param` on a fresh app over the tiny runs."""
    emulate(dash_duo.driver, request.param)
    dash_duo.start_server(app)
    return dash_duo, SIZES[request.param][0]


def check_graphs(duo, width: int) -> list[str]:
    """What is wrong with the page's graphs: too small, or titles on top of each other."""
    problems = []
    for graph in measure_page(duo.driver)["graphs"]:
        if graph["width"] < min(300, width - 60) or graph["height"] < 200:
            problems.append(f"{graph['id']} is {graph['width']}x{graph['height']}")
        if graph["id"] in SMALL_MULTIPLES:
            titles, overlaps = duo.driver.execute_script(OVERLAPS, graph["id"])
            if overlaps:
                problems.append(f"{graph['id']}: {overlaps} overlapping titles among {titles}")
    return problems


@pytest.mark.parametrize("sized", ["phone", "laptop"], indirect=True)
def test_every_page_fits_the_screen_with_usable_graphs(sized):
    duo, width = sized
    for path, ready in PAGES.items():
        duo.wait_for_page(url=duo.server_url + path)
        duo.wait_for_element(ready, timeout=30)
        if path == "/dataset":
            duo.wait_for_element("#dataset-spread .heatmaplayer", timeout=30)
        page = measure_page(duo.driver)
        assert page["scroll_width"] <= width and page["viewport_width"] == width, (path, page)
        assert check_graphs(duo, width) == [], path
    assert duo.get_logs() == []


@pytest.mark.parametrize("sized", ["phone"], indirect=True)
def test_phone_navigation_collapses_with_the_model_selector_in_reach(sized):
    duo, width = sized
    duo.wait_for_page(url=duo.server_url + "/")
    duo.wait_for_element("#home-summary .stat", timeout=30)
    selector = duo.find_element(f"#{ids.RUN_SELECT}").rect
    assert selector["x"] >= 0 and selector["x"] + selector["width"] <= width and selector["y"] < 150
    assert not duo.find_element(f"#{ids.SHELL_NAV}").is_displayed()
    duo.find_element(f"#{ids.SHELL_MENU}").click()
    link = duo.find_element(f"#{ids.SHELL_NAV} a[href='/draw']")
    until(link.is_displayed, timeout=5)
    link.click()
    duo.wait_for_element(PAGES["/draw"], timeout=30)
    until(
        lambda: not duo.find_element(f"#{ids.SHELL_NAV}").is_displayed(), timeout=5
    )  # closed once the page opens
    assert duo.get_logs() == []


@pytest.mark.parametrize("sized", ["phone", "laptop"], indirect=True)
def test_the_draw_reading_is_on_screen_right_after_a_stroke(sized):
    duo, width = sized
    duo.wait_for_page(url=duo.server_url + "/draw")
    duo.wait_for_element(PAGES["/draw"], timeout=30)
    touch = SIZES["phone"][0] == width
    box = draw_and_locate_reading(duo.driver, touch=touch)
    assert box["text"][:1].isdigit() or box["text"].startswith("Not sure"), box
    assert box["scroll_y"] == 0 and on_screen(box["prediction"], width, box["viewport_height"]), box
    assert on_screen(box["bars"], width, box["viewport_height"]), box
    if width < 700:  # on a phone, directly under the canvas
        canvas = duo.driver.execute_script(
            "return document.querySelector('.draw-canvas').getBoundingClientRect().toJSON()"
        )
        assert 0 < box["prediction"]["top"] - canvas["bottom"] < 120, (canvas, box)
    else:  # side by side
        assert box["prediction"]["left"] > 300 and box["prediction"]["top"] < 400, box
    assert duo.get_logs() == []
