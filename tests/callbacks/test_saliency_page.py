"""Saliency page: the heatmap figure, choosing images, the explaining callback, and the page in
Chromium."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard import ids
from dashboard.figures.saliency import fig_saliency
from model.insight.saliency import METHODS
from tests.support.callbacks import call
from tests.support.constants import RUN_NAMES

BASELINE, CONVNET = RUN_NAMES  # the tiny runs
INDEX = 8


# The figure


def test_each_heatmap_lies_over_its_digit_with_one_colorbar():
    rng = np.random.default_rng(0)
    images = [rng.random((28, 28)) for _ in range(3)]
    heatmaps = [rng.uniform(-1, 1, (28, 28)) for _ in range(3)]
    figure = fig_saliency(images, heatmaps, ["a", "b", "c"])
    assert len(figure.data) == 6
    digits, heats = figure.data[0::2], figure.data[1::2]
    assert all(trace.zmin == 0 and trace.zmax == 1 and not trace.showscale for trace in digits)
    assert all(trace.zmin == -1 and trace.zmax == 1 for trace in heats)
    assert [trace.showscale for trace in heats] == [True, False, False]
    np.testing.assert_allclose(heats[2].z, np.round(heatmaps[2], 3))
    assert [annotation.text for annotation in figure.layout.annotations] == ["a", "b", "c"]
    assert figure.layout.yaxis.autorange == "reversed" and figure.layout.yaxis3.scaleanchor == "x3"


def test_panels_wrap_into_rows():
    images = [np.zeros((28, 28))] * 7
    figure = fig_saliency(images, images, [str(n) for n in range(7)], columns=3)
    assert (
        figure.layout.height
        > fig_saliency(images[:3], images[:3], ["0", "1", "2"], columns=3).layout.height
    )
    assert figure.data[-1].xaxis == "x7"


@pytest.mark.parametrize(
    "heatmaps, titles, message",
    [
        ([np.zeros((28, 28))], [], "as many images, heatmaps and titles"),
        ([np.zeros((27, 28))], ["a"], "of one shape"),
        ([np.full((28, 28), 2.0)], ["a"], r"in \[-1, 1\]"),
        ([np.full((28, 28), np.nan)], ["a"], r"in \[-1, 1\]"),
    ],
)
def test_bad_panels_are_refused(heatmaps, titles, message):
    with pytest.raises(ValueError, match=message):
        fig_saliency([np.zeros((28, 28))], heatmaps, titles)


# Callbacks called directly


@pytest.fixture
def page(service):
    """The Saliency page module, imported by the app's page registry (the app context pushed)."""
    from dashboard.pages import saliency

    return saliency


def test_the_query_opens_that_image_and_nonsense_opens_none_with_a_message(page, service):
    def opened(index):
        layout = page.layout(index=index)
        box = [c for c in _walk(layout) if getattr(c, "id", None) == ids.SALIENCY_INDEX][0]
        notice = [
            c for c in _walk(layout) if "query-notice" in (getattr(c, "className", "") or "")
        ][0]
        return box.value, notice.hidden

    for value, expected in (
        ("42", (42, True)),
        ("9999", (9999, True)),
        (None, (0, True)),
        ("10000", (None, False)),
        ("-3", (None, False)),
        ("x", (None, False)),
    ):
        assert opened(value) == expected, value


def _walk(component):
    """`component` and everything under it."""
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            yield from _walk(child)


def test_random_and_next_pick_images_of_the_chosen_kind(page, service):
    labels = service.predictions(CONVNET).labels
    randoms = {
        call(page.pick_image, f"{ids.SALIENCY_RANDOM}.n_clicks", clicks, 0, 3, [], 0, CONVNET)
        for clicks in range(1, 6)
    }
    assert len(randoms) > 1 and all(labels[i] == 3 for i in randoms)
    first_three = int(np.flatnonzero(labels == 3)[0])
    assert (
        call(page.pick_image, f"{ids.SALIENCY_CLASS}.value", 0, 0, 3, [], 0, CONVNET) == first_three
    )
    after = call(
        page.pick_image, f"{ids.SALIENCY_NEXT}.n_clicks", 0, 1, 3, [], first_three, CONVNET
    )
    assert after == int(np.flatnonzero(labels == 3)[1])
    last = int(np.flatnonzero(labels == 3)[-1])
    assert (
        call(page.pick_image, f"{ids.SALIENCY_NEXT}.n_clicks", 0, 2, 3, [], last, CONVNET)
        == first_three
    )  # wraps
    mistakes = service.predictions(CONVNET)
    picked = call(
        page.pick_image, f"{ids.SALIENCY_MISTAKES}.value", 0, 0, "any", ["mistakes"], 0, CONVNET
    )
    assert mistakes.predicted[picked] != mistakes.labels[picked]


def test_the_sliders_are_the_method_entries_settings_that_offer_one(page):
    offered = {
        (name, key)
        for name, method in METHODS.items()
        for key, setting in method.settings.items()
        if setting.slider
    }
    assert (
        set(page.SLIDERS)
        == offered
        == {
            ("smoothgrad", "noise"),
            ("smoothgrad", "samples"),
            ("integrated_gradients", "steps"),
            ("occlusion", "window"),
        }
    )
    for method, name in page.SLIDERS:  # every slider position is a valid setting of its method
        low, high, _ = METHODS[method].settings[name].slider
        for value in (low, high):
            METHODS[method].check_settings(method, {name: value})


def test_slider_settings_go_to_their_method(page):
    setting_ids = [{"method": m, "name": n} for m, n in page.SLIDERS]
    settings = page.method_settings([0.3, 20, 16, 3], setting_ids)
    assert settings["smoothgrad"] == {"noise": 0.3, "samples": 20}
    assert settings["integrated_gradients"] == {"steps": 16}
    assert settings["occlusion"] == {"window": 3}
    assert set(settings) == {"smoothgrad", "integrated_gradients", "occlusion"}


def explain(
    page, method="all", target="predicted", run=CONVNET, index=INDEX, values=(0.15, 10, 16, 4)
):
    """The explaining callback's outputs for test image `index`."""
    setting_ids = [{"type": ids.SALIENCY_SETTING, "method": m, "name": n} for m, n in page.SLIDERS]
    return call(
        page.explain_image,
        f"{ids.SALIENCY_INDEX}.value",
        index,
        method,
        target,
        list(values),
        run,
        setting_ids,
    )


def test_all_methods_explain_the_predicted_class_side_by_side(page, service):
    caption, figure, probabilities = explain(page)
    assert len(figure.data) == 2 * len(METHODS)
    assert [a.text for a in figure.layout.annotations] == [m.label for m in METHODS.values()]
    assert all(np.abs(trace.z).max() <= 1 for trace in figure.data[1::2])
    predicted = int(np.argmax(probabilities.data[0].y))
    text = caption[1].children[1].children
    assert f"Explaining class {predicted}: 5 heatmaps" in text
    assert f"Test image #{INDEX}" in caption[1].children[0].children[0].children


def test_one_method_for_another_class_differs_from_the_predicted_one(page, service):
    other_class = 0 if service.mnist.y_test[INDEX] != 0 else 1
    _, predicted, _ = explain(page, method="integrated_gradients")
    caption, other, _ = explain(page, method="integrated_gradients", target=other_class)
    assert len(predicted.data) == len(other.data) == 2
    assert f"Explaining class {other_class}: 1 heatmap" in caption[1].children[1].children
    assert not np.allclose(predicted.data[1].z, other.data[1].z)


def test_bad_choices_get_messages_not_errors(page):
    caption, figure, _ = explain(page, index=None)
    assert "Enter a test image number from 0 to 9999" in caption and not figure.data
    caption, figure, _ = explain(page, method="gradcam", run=BASELINE)
    assert "Grad-CAM needs a convolutional layer" in caption
    caption, *_ = explain(page, method="vanilla", target="seven")
    assert "target must be a class" in caption
    caption, *_ = explain(page, method="bogus")
    assert "method must be one of" in caption
    caption, *_ = explain(page, method="smoothgrad", values=(0.15, "many", 16, 4))
    assert "smoothgrad setting 'samples' must be an integer" in caption


# Chromium
