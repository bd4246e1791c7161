"""One answer per image: every page's callbacks, called directly for the same 20 test images and one
drawing under both positions of the Probabilities switch, show the same numbers, and for a test
image they are its row of the run's stored test probabilities (raw, or temperature-scaled).

The run is the shipped one that answers with test-time augmentation and a temperature (the case
where pages used to disagree: #3762 read 78.2% on /errors, 79.9% on /saliency, 52.8% on /network).
"""

from __future__ import annotations

import numpy as np
import pytest

from dashboard import ids
from dashboard.drawing.kept import kept_digits
from dashboard.settings import Settings
from model import config
from model.core.answer import answer, load_run_model
from model.core.calibration import apply_temperature
from model.core.mnist import pixels
from model.core.runs import load_run
from tests.support.answers import percentages, shipped_tta_run
from tests.support.callbacks import call
from tests.support.constants import PROJECTION_SIZE
from tests.support.sketch import sketch_json

INDICES = [3762, 0, *range(1, 10000, 555)][:20]  # the two images and 18 more
SCALES = ("calibrated", "raw")
SHOWN = 0.0006  # a percentage written with one decimal is within 0.05 points of its value
EXACT = 1e-5  # figure data carries the float32 probabilities themselves


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app over the shipped runs (read only), its derived files in a cache of its own."""
    from dashboard.app import create_app

    return create_app(
        Settings(
            runs_dir=config.RUNS_DIR,
            cache_dir=tmp_path_factory.mktemp("answer-cache"),
            projection_size=PROJECTION_SIZE,
        )
    )


@pytest.fixture(scope="module")
def service(app):
    """The app's service, inside its context."""
    from dashboard.service import current

    with app.server.app_context():
        yield current()


@pytest.fixture(scope="module")
def run():
    """The shipped run with TTA and a temperature: name, stored rows raw and calibrated, model."""
    path = shipped_tta_run()
    model = load_run_model(path)
    raw = load_run(path).probabilities
    rows = {"raw": raw, "calibrated": apply_temperature(raw, model.temperature)}
    return path.name, rows, model


def text(component) -> str:
    """All the text under a Dash component (or list of them), space-separated."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(text(child) for child in component)
    return text(getattr(component, "children", None))


def pages_for_test_image(index: int, name: str, scale: str) -> dict[str, float]:
    """The answer's top probability as each page shows it for test image `index`, and the figures'
    ten probabilities (keys ending in "bars")."""
    from dashboard.pages import adversarial, errors, network, saliency

    figure, _, image = errors.show_probabilities(index, name, scale)
    sliders = [{"type": ids.SALIENCY_SETTING, "method": m, "name": n} for m, n in saliency.SLIDERS]
    heading, _, bars = call(
        saliency.explain_image,
        f"{ids.SALIENCY_INDEX}.value",
        index,
        "vanilla",
        "predicted",
        [0.15, 10, 16, 4],
        name,
        sliders,
        scale,
    )
    caption, *_ = network.show_network("test", index, None, name, scale)
    attacked, _, before_after = adversarial.show_attack(
        "test", index, None, "fgsm", adversarial.ANY, name, scale
    )
    return {
        "/errors": percentages(text(image))[0],
        "/errors bars": np.asarray(figure.data[0].y),
        "/saliency": percentages(text(heading))[0],
        "/saliency bars": np.asarray(bars.data[0].y),
        "/network": percentages(text(caption))[0],
        "/adversarial": percentages(text(attacked))[0],
        "/adversarial bars": np.asarray(before_after.data[0].y),
    }


@pytest.mark.parametrize("scale", SCALES)
def test_every_page_shows_a_test_images_stored_row(service, run, scale):
    name, rows, _ = run
    wrong = []
    for index in INDICES:
        expected = rows[scale][index]
        for page, shown in pages_for_test_image(index, name, scale).items():
            close = (
                np.allclose(shown, expected, atol=EXACT)
                if page.endswith("bars")
                else abs(shown - expected.max()) <= SHOWN
            )
            if not close:
                wrong.append(f"#{index} {page}: {np.round(shown, 4)} for {expected.max():.4f}")
    assert wrong == []


@pytest.mark.parametrize("scale", SCALES)
def test_the_captions_say_what_the_probabilities_are(service, run, scale):
    from dashboard.pages import adversarial, errors, network, saliency

    name = run[0]
    said = f"{scale}, with test-time augmentation"
    figure, _, _ = errors.show_probabilities(3762, name, scale)
    assert said in figure.layout.title.text
    assert said in text(errors.show_mistakes(name, scale))
    caption, *_ = network.show_network("test", 3762, None, name, scale)
    assert said in text(caption)
    _, _, bars = adversarial.show_attack("test", 3762, None, "fgsm", adversarial.ANY, name, scale)
    assert said in bars.layout.title.text
    sliders = [{"type": ids.SALIENCY_SETTING, "method": m, "name": n} for m, n in saliency.SLIDERS]
    heading, _, probabilities = call(
        saliency.explain_image,
        f"{ids.SALIENCY_INDEX}.value",
        3762,
        "vanilla",
        "predicted",
        [0.15, 10, 16, 4],
        name,
        sliders,
        scale,
    )
    assert said in text(heading) and said in probabilities.layout.title.text


@pytest.mark.parametrize("scale", SCALES)
def test_the_attacks_after_bars_are_the_runs_answer_for_the_adversarial_image(service, run, scale):
    from dashboard.pages import adversarial

    name, _, model = run
    for index in INDICES[:5]:
        image = pixels(service.mnist.x_test[index])
        found = service.attack(name, image, method="fgsm", target=None)
        _, _, bars = adversarial.show_attack(
            "test", index, None, "fgsm", adversarial.ANY, name, scale
        )
        expected = answer(model, found.image, calibrated=scale == "calibrated").probabilities
        np.testing.assert_allclose(bars.data[1].y, expected, atol=EXACT)


def gallery_rows(component) -> list[tuple[int, list[float]]]:
    """(test index, percentages) of each tile of a gallery: the tile's first line is "#index"."""
    found = []
    for tile in _tiles(component):
        words = text(tile)
        found.append((int(words.split("#")[1].split()[0]), percentages(words)))
    return found


def _tiles(component) -> list:
    if isinstance(component, (list, tuple)):
        return [tile for child in component for tile in _tiles(child)]
    if getattr(component, "className", None) == "tile":
        return [component]
    children = getattr(component, "children", None)
    return [] if children is None or isinstance(children, str) else _tiles(children)


@pytest.mark.parametrize("scale", SCALES)
def test_the_galleries_show_the_stored_rows(service, run, scale):
    from dashboard.pages import compare, errors, labels

    name, rows, _ = run
    checked = 0
    galleries = [errors.show_mistakes(name, scale), errors.show_cell(None, name, scale)]
    for gallery in galleries:
        for index, shown in gallery_rows(gallery):
            assert shown[0] == pytest.approx(rows[scale][index].max(), abs=SHOWN), index
            checked += 1
    other = next(n for n in service.run_names() if n != name)
    other_rows = service.probabilities(other, calibrated=scale == "calibrated")
    _, cell = compare.show_cell("only_b", other, name, scale)
    for index, (a, b) in gallery_rows(cell):
        assert a == pytest.approx(other_rows[index].max(), abs=SHOWN)
        assert b == pytest.approx(rows[scale][index].max(), abs=SHOWN), index
        checked += 1
    _, suspects = labels.show_suspects("test", "any", "score", "all", 1, 0, name, scale)
    for tile in _tiles(suspects):
        index = int(text(tile).split("#")[1].split()[0])
        [shown] = percentages(text(tile).split("model:")[1])
        assert shown == pytest.approx(rows[scale][index].max(), abs=SHOWN), index
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("scale", SCALES)
def test_every_page_shows_the_same_answer_for_a_drawing(service, run, scale):
    from dashboard.drawing import whatif
    from dashboard.pages import adversarial, draw, network
    from model.insight.whatif import SETTINGS

    name, _, model = run
    outputs = call(
        draw.show_reading,
        f"{ids.DRAW_CANVAS}.trigger",
        1,
        None,
        0,
        "digit",
        name,
        sketch_json(7),
        "empty",
        draw.BACKGROUNDS[0],
        scale,
    )
    bars, read = outputs[2], outputs[7]
    drawn = kept_digits(read)[0].input
    expected = answer(model, drawn, calibrated=scale == "calibrated").probabilities
    assert int(expected.argmax()) == 7
    shown = {"/draw bars": np.array(percentages(text(bars)))}
    drawing = read  # the shell keeps the last drawing's id
    caption, *_ = network.show_network("drawing", None, drawing, name, scale)
    shown["/network"] = percentages(text(caption))[0]
    attacked, _, before_after = adversarial.show_attack(
        "drawing", None, drawing, "fgsm", adversarial.ANY, name, scale
    )
    shown["/adversarial"] = percentages(text(attacked))[0]
    sliders = [{"type": ids.DRAW_WHATIF, "setting": setting} for setting in SETTINGS]
    untouched = [SETTINGS[setting].identity for setting in SETTINGS]
    card = call(
        whatif.show_reading,
        f"{ids.DRAW_READ}.data",
        read,
        untouched,
        untouched,
        name,
        sliders,
        scale,
    )
    shown["/draw what-if"] = percentages(text(card))[0]
    assert np.allclose(shown.pop("/draw bars"), expected, atol=SHOWN)
    [headline] = percentages(text(outputs[0]))  # "7 · 90%": whole percents
    assert headline == pytest.approx(float(expected.max()), abs=0.005)
    np.testing.assert_allclose(before_after.data[0].y, expected, atol=EXACT)
    assert {page: round(value, 3) for page, value in shown.items()} == {
        page: round(float(expected.max()), 3) for page in shown
    }
    assert f"{scale}, with test-time augmentation" in text(bars)
