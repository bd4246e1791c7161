"""The Network and Adversarial pages and the Draw page's what-if card: callbacks called directly on
the tiny runs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dashboard import ids
from dashboard.drawing.kept import DRAW_AGAIN, KeptDigit, readings
from dashboard.settings import Settings
from dashboard.validation import InvalidInput
from model.core.mnist import pixels
from model.insight.whatif import SETTINGS
from model.reading.classify import Classification
from tests.support.callbacks import call
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES

BASELINE, CONVNET = RUN_NAMES
ROBUSTNESS_SIZE = 100  # test images in the robustness curves computed here


@pytest.fixture(scope="module")
def app(runs_dir, tmp_path_factory):
    """An app over the tiny runs, with a cache of its own so that the derived files are computed
    here."""
    from dashboard.app import create_app

    return create_app(
        Settings(
            runs_dir=runs_dir,
            cache_dir=tmp_path_factory.mktemp("network-cache"),
            projection_size=PROJECTION_SIZE,
            robustness_size=ROBUSTNESS_SIZE,
        )
    )


@pytest.fixture
def service(app):
    """The app's service, inside its context."""
    from dashboard.service import current

    with app.server.app_context():
        yield current()


def drawing_store(service, index: int = 0) -> str:
    """The id of test image `index` kept as a drawing, as the Draw page keeps a stroke's reading."""
    image = pixels(service.mnist.x_test[index])
    read = Classification(service.predictor(CONVNET).predict(image), image)
    return readings().put([KeptDigit(read.input, read.digit, read.confidence)])


EXPIRED = f"{'0' * 32}-{'0' * 16}"  # well formed, but never kept (or expired)


def wait_for(function, seconds: float = 120):
    """Call `function` until it returns something other than None."""
    deadline = time.monotonic() + seconds
    while (value := function()) is None:
        assert time.monotonic() < deadline, f"nothing within {seconds} s"
        time.sleep(0.5)
    return value


def test_the_network_page_shows_every_conv_layer_for_a_test_image(service):
    from dashboard.pages import network

    caption, maps, filters, units = network.show_network("test", 3, None, CONVNET)
    assert "Test image #3" in str(caption)
    titles = [a.text for a in maps.layout.annotations]
    assert titles[0].startswith("conv1 · 26 × 26 × 32") and titles[1].startswith(
        "conv2 · 11 × 11 × 64"
    )
    assert len(filters.data) == 1 and filters.data[0].z.shape == (
        7,
        63,
    )  # 32 filters 3x3: 2 rows of 16, 1 px gaps
    assert len(units.data[0].x) == network.UNITS


def test_the_network_page_reads_the_last_drawing_and_explains_a_missing_one(service):
    from dashboard.pages import network

    caption, maps, *_ = network.show_network("drawing", None, drawing_store(service), CONVNET)
    assert "Your last drawing" in str(caption) and len(maps.data) == 2
    caption, maps, *_ = network.show_network("drawing", None, None, CONVNET)
    assert "No drawing yet" in str(caption)
    caption, maps, *_ = network.show_network("drawing", None, EXPIRED, CONVNET)
    assert DRAW_AGAIN in str(caption) and not maps.data
    caption, *_ = network.show_network("test", -4, None, CONVNET)
    assert "Enter a test image number" in str(caption)


def test_the_adversarial_page_attacks_the_last_drawing_or_says_to_draw_again(service):
    from dashboard.pages import adversarial

    caption, *_ = adversarial.show_attack(
        "drawing", None, drawing_store(service), "fgsm", "any", CONVNET
    )
    assert "Your last drawing" in str(caption)
    caption, *_ = adversarial.show_attack("drawing", None, EXPIRED, "fgsm", "any", CONVNET)
    assert DRAW_AGAIN in str(caption)


def test_an_mlp_is_said_to_have_no_convolution(service):
    from dashboard.pages import network

    _, maps, filters, units = network.show_network("test", 0, None, BASELINE)
    assert "no convolution layer" in maps.layout.annotations[0].text
    assert units.data[0].type == "bar"


def test_the_learned_feature_map_is_computed_once_then_read_from_its_file(service):
    from dashboard.pages import network

    pixel, feature, status, polling_off = call(
        network.show_maps, f"{ids.RUN_SELECT}.value", CONVNET, None
    )
    if feature.data:  # computed already by another test of this app's cache: nothing to wait for
        assert polling_off
    else:
        assert "Computing" in status and polling_off is False and len(pixel.data) >= 10
        wait_for(lambda: service.features_map(CONVNET))
        _, feature, status, polling_off = call(
            network.show_maps, f"{ids.NETWORK_POLL}.n_intervals", CONVNET, 1
        )
    assert polling_off and status == ""
    assert sum(len(trace.x) for trace in feature.data[:10]) == PROJECTION_SIZE
    files = list(service.settings.cache_dir.glob("features-*.npz"))
    assert len(files) == 1


def test_clicking_a_dot_opens_its_image(service):
    from dashboard.pages import network

    click = {"points": [{"customdata": 42}]}
    assert call(network.pick_image, f"{ids.NETWORK_FEATURE_MAP}.clickData", 0, None, click) == (
        42,
        "test",
    )


def test_the_adversarial_page_finds_the_smallest_epsilon(service):
    from dashboard.pages import adversarial

    caption, images, bars = adversarial.show_attack("test", 0, None, "fgsm", "any", CONVNET)
    assert "makes it answer" in caption.children and len(images.data) == 3 and len(bars.data) == 2
    caption, *_ = adversarial.show_attack("test", 0, None, "pgd", 3, CONVNET)
    assert "makes it answer 3" in caption.children or "does not change" in caption.children
    answer = int(service.predictor(CONVNET).predict(pixels(service.mnist.x_test[0])).argmax())
    caption, *_ = adversarial.show_attack("test", 0, None, "pgd", answer, CONVNET)
    assert "already reads" in caption.children
    with pytest.raises(InvalidInput, match="method must be one of"):  # the app answers "no update"
        adversarial.show_attack("test", 0, None, "nonsense", "any", CONVNET)


def test_the_robustness_curve_is_polled_until_computed(service):
    from dashboard.pages import adversarial

    figure, polling_off = call(adversarial.show_curve, f"{ids.RUN_SELECT}.value", BASELINE, None)
    if not polling_off:
        wait_for(lambda: service.robustness(BASELINE))
        figure, polling_off = call(
            adversarial.show_curve, f"{ids.ADVERSARIAL_POLL}.n_intervals", BASELINE, 1
        )
    assert polling_off and [trace.name for trace in figure.data] == [
        "FGSM (one step)",
        "PGD (iterated)",
    ]
    assert figure.data[0].y[0] > figure.data[1].y[-1]


def test_what_if_follows_the_sliders_and_sweeps_every_range(service):
    from dashboard.drawing import whatif

    store = drawing_store(service)
    slider_ids = [{"type": ids.DRAW_WHATIF, "setting": name} for name in SETTINGS]
    values = [30, 1.2, 2, -1, 1]
    drag = '{"setting":"rotation","type":"draw-whatif"}.drag_value'
    tile, bars = call(
        whatif.show_reading, drag, store, values, [0, 1, 0, 0, 0], CONVNET, slider_ids
    )
    title, *rows = bars.children
    assert "reads" in str(tile) and len(rows) == 10
    assert title.children == "probabilities: calibrated, without test-time augmentation"
    figure = whatif.show_sweep(store, values, CONVNET, slider_ids)
    assert len(figure.data) == 10 * len(SETTINGS)
    assert np.allclose(np.sum([trace.y for trace in figure.data[:10]], axis=0), 1, atol=1e-3)
    assert [a.text for a in figure.layout.annotations][: len(SETTINGS)] == [
        s.label for s in SETTINGS.values()
    ]
    new_stroke = f"{ids.DRAW_READ}.data"
    assert "reads" in str(
        call(whatif.show_reading, new_stroke, store, values, values, CONVNET, slider_ids)
    )
    assert "Draw a digit" in str(
        call(whatif.show_reading, drag, None, values, values, CONVNET, slider_ids)
    )
    bad = [99, 1, 0, 0, 0]
    assert "rotation must be between" in str(
        call(whatif.show_reading, drag, store, bad, values, CONVNET, slider_ids)
    )
    assert whatif.reset(1, slider_ids) == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert DRAW_AGAIN in str(
        call(whatif.show_reading, drag, EXPIRED, values, values, CONVNET, slider_ids)
    )
    expired = whatif.show_sweep(EXPIRED, values, CONVNET, slider_ids)
    assert not expired.data and DRAW_AGAIN in expired.layout.annotations[0].text


def test_the_what_if_reading_shows_calibrated_or_raw_probabilities_as_the_draw_reading_does(
    service,
):
    from dashboard.drawing import whatif

    store = drawing_store(service, index=1)
    slider_ids = [{"type": ids.DRAW_WHATIF, "setting": name} for name in SETTINGS]
    untouched = [SETTINGS[name].identity for name in SETTINGS]
    drawn = readings().get(store)[0].input
    raw = service.answer(CONVNET, drawn, calibrated=False).probabilities
    calibrated = service.answer(CONVNET, drawn, calibrated=True).probabilities
    assert service.temperature(CONVNET) is not None and not np.allclose(raw, calibrated, atol=1e-3)
    best = int(raw.argmax())
    new_stroke = f"{ids.DRAW_READ}.data"
    for scale, shown in (("calibrated", calibrated), ("raw", raw)):
        tile, _ = call(
            whatif.show_reading, new_stroke, store, untouched, untouched, CONVNET, slider_ids, scale
        )
        assert f"{shown[best]:.1%}" in str(tile)
        figure = whatif.show_sweep(store, untouched, CONVNET, slider_ids, scale)
        at_identity = [
            trace.y[len(trace.y) // 2] for trace in figure.data[:10]
        ]  # rotation 0 is the middle value
        assert np.allclose(at_identity, shown, atol=1e-3)
