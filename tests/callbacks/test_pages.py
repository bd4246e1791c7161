"""Page layouts and callbacks called directly on an app over the tiny runs (no browser)."""

from __future__ import annotations

import numpy as np
import pytest

from model.runs import RunError
from tests.support.constants import PROJECTION_SIZE, RUN_NAMES


def find(component, predicate) -> list:
    """Every component in the tree under `component` for which `predicate` holds."""
    found = [component] if predicate(component) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found += find(child, predicate)
    return found


def tile_indices(component) -> list[int]:
    """The test indices of the clickable tiles under `component`."""
    return [c.id["index"] for c in find(component, lambda c: isinstance(getattr(c, "id", None), dict))]


def text(component) -> str:
    """All the text under `component`."""
    if isinstance(component, (str, int, float)):
        return str(component)
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        return " ".join(text(child) for child in children if child is not None)
    return text(children) if children is not None else ""


def test_app_registers_the_pages_in_navigation_order(app):
    import dash

    assert [page["path"] for page in dash.page_registry.values()][:4] == ["/", "/dataset", "/training", "/errors"]
    with app.server.test_client() as client:
        for path in ("/", "/dataset", "/training", "/errors"):
            assert client.get(path).status_code == 200


def test_every_layout_builds(service):
    from dashboard.pages import curves, dataset, errors, home

    for page in (home, dataset, curves, errors):
        assert page.layout() is not None
    assert "60,000" in text(home.layout())


def test_cell_view_lists_the_cell_most_confident_first(service):
    from dashboard.pages import errors

    name = RUN_NAMES[0]
    predictions = service.predictions(name)
    true, predicted = predictions.most_confused()
    heading, gallery = errors.cell_view(name, true, predicted)
    shown = tile_indices(gallery)
    assert shown and all(predictions.labels[i] == true and predictions.predicted[i] == predicted for i in shown)
    assert list(np.diff(predictions.confidence[shown]) <= 0) == [True] * (len(shown) - 1)
    assert f"True {true}, predicted {predicted}" in text(heading)
    assert f"{len(predictions.cell(true, predicted)):,} images" in text(heading)
    links = find(gallery, lambda c: getattr(c, "href", "") and "saliency" in c.href)
    assert links[0].href == f"/saliency?index={shown[0]}"


def test_clicked_cell_is_shown_and_kept_when_the_run_changes(service):
    from dashboard.pages import errors

    click = {"points": [{"x": 3, "y": 3}]}
    for name in RUN_NAMES:
        heading = errors.show_cell(click, name)[0]
        count = len(service.predictions(name).cell(3, 3))
        assert text(heading).startswith("True 3, correctly classified") and f"{count:,} images" in text(heading)


def test_probabilities_default_to_the_worst_mistake(service):
    from dashboard.pages import errors

    name = RUN_NAMES[1]
    worst = int(service.predictions(name).confident_mistakes(1)[0])
    figure, caption = errors.show_probabilities(None, name)
    assert f"#{worst}" in figure.layout.title.text
    np.testing.assert_allclose(figure.data[0].y, service.run(name).probabilities[worst])
    assert caption.href == f"/saliency?index={worst}"
    figure, _ = errors.show_probabilities(7, name)
    assert figure.layout.title.text.startswith(f"Test image #7: true {service.mnist.y_test[7]}")


def test_errors_page_follows_the_run(service):
    from dashboard.pages import errors

    mistakes = [tile_indices(errors.show_mistakes(name)) for name in RUN_NAMES]
    assert mistakes[0] != mistakes[1]
    for name, shown in zip(RUN_NAMES, mistakes):
        assert shown == list(service.predictions(name).confident_mistakes(service.settings.mistakes_size))
    matrix = errors.show_matrix(RUN_NAMES[0], "share")
    assert matrix.data[1].text[0][0].endswith("%")
    figure, table = errors.show_scores(RUN_NAMES[0])
    assert len(figure.data) == 3 and len(find(table, lambda c: type(c).__name__ == "Tr")) == 11
    with pytest.raises(RunError, match="not in"):  # the app's run guard turns this into "no update"
        errors.show_mistakes("vanished")


def test_projection_rings_the_runs_mistakes(service):
    from dashboard.pages import dataset

    figure = dataset.show_projection("pca", RUN_NAMES[0])
    projection = service.projection
    predicted = service.predictions(RUN_NAMES[0]).predicted[projection.indices]
    ringed = [t for t in figure.data if t.name.startswith("misclassified")][0]
    assert sorted(ringed.customdata) == sorted(projection.indices[predicted != projection.labels])
    assert sum(len(t.x) for t in figure.data[:10]) == PROJECTION_SIZE


def test_point_panel_shows_the_image_and_the_runs_answer(service):
    from dashboard.figures.images import png_data_url
    from dashboard.pages import dataset

    index = int(service.projection.indices[5])
    image, title, verdict = dataset.point_panel(index, RUN_NAMES[1])
    assert image.src == png_data_url(service.mnist.x_test[index])
    assert f"#{index}" in text(title) and f"label {service.mnist.y_test[index]}" in text(title)
    assert text(verdict).startswith(f"{RUN_NAMES[1]} predicts {service.predictions(RUN_NAMES[1]).predicted[index]}")


def test_gallery_shows_the_chosen_digit_and_new_samples_on_click(service):
    from dashboard.pages import dataset

    def shown(clicks):
        captions = [text(c) for c in find(dataset.show_gallery(6, clicks), lambda c: type(c).__name__ == "Figcaption")]
        return [int(caption.split("#")[1]) for caption in captions]

    first, again, second = shown(0), shown(0), shown(1)
    assert len(first) == service.settings.gallery_size and first == again and set(first) != set(second)
    assert (service.mnist.y_train[first + second] == 6).all()


def test_spread_switches_between_variance_and_std(service):
    from dashboard.pages import dataset

    variance, std = dataset.show_spread("variance"), dataset.show_spread("std")
    np.testing.assert_allclose(np.sqrt(np.array(variance.data[4].z)), np.array(std.data[4].z), atol=1e-6)
    assert std.layout.coloraxis.colorbar.title.text == "deviation"


def test_training_page_follows_the_run_and_compares_runs(service):
    from dashboard.pages import curves as page

    curves = page.show_curves(RUN_NAMES[1])
    assert RUN_NAMES[1] in curves.layout.title.text and len(curves.data[0].x) == 2
    overlay = page.show_overlay(list(RUN_NAMES) + ["vanished"])
    assert {t.legendgroup.split()[0] for t in overlay.data} == set(RUN_NAMES)
    assert page.show_overlay([]).layout.annotations[0].text == "Choose runs to compare."
    table = page.show_table(RUN_NAMES[1])
    rows = find(table, lambda c: type(c).__name__ == "Tr")[1:]
    assert [r.className for r in rows] == [None, "selected"]
    assert "convnet" in text(rows[1]) and f"{service.run(RUN_NAMES[1]).evaluation['accuracy']:.2%}" in text(rows[1])


def test_home_summarizes_the_selected_run(service):
    from dashboard.pages import home

    summary = text(home.show_summary(RUN_NAMES[1]))
    assert f"{service.run(RUN_NAMES[1]).evaluation['accuracy']:.2%}" in summary and "convnet" in summary
