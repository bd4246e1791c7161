"""Page layouts and callbacks called directly on an app over the tiny runs (no browser)."""

from __future__ import annotations

import numpy as np
import pytest
from dash import html

from dashboard.figures.images import png_data_url
from model.core.runs import RunError
from tests.support.components import headings, text
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
    return [
        c.id["index"] for c in find(component, lambda c: isinstance(getattr(c, "id", None), dict))
    ]


def test_app_registers_the_pages_in_navigation_order(app):
    import dash

    assert [page["path"] for page in dash.page_registry.values()][:4] == [
        "/",
        "/dataset",
        "/training",
        "/errors",
    ]
    with app.server.test_client() as client:
        for path in ("/", "/dataset", "/training", "/errors"):
            assert client.get(path).status_code == 200


def test_every_layout_builds(service):
    from dashboard.pages import curves, dataset, errors, home

    shown = {page: headings(page.layout()) for page in (home, dataset, curves, errors)}
    assert shown == {
        home: ["MNIST Explorer"],
        dataset: ["Dataset"],
        curves: ["Training"],
        errors: ["Errors"],
    }
    assert "60,000" in text(home.layout())


def test_cell_view_lists_the_cell_most_confident_first(service):
    from dashboard.pages import errors

    name = RUN_NAMES[0]
    predictions = service.predictions(name)
    true, predicted = predictions.most_confused()
    heading, gallery = errors.cell_view(name, true, predicted)
    shown = tile_indices(gallery)
    assert shown and all(
        predictions.labels[i] == true and predictions.predicted[i] == predicted for i in shown
    )
    assert list(np.diff(predictions.confidence[shown]) <= 0) == [True] * (len(shown) - 1)
    assert f"True {true}, predicted {predicted}" in text(heading)
    assert f"{len(predictions.cell(true, predicted)):,} images" in text(heading)
    links = find(gallery, lambda c: getattr(c, "href", "") and "saliency" in c.href)
    assert links[0].href == f"/saliency?index={shown[0]}"


def test_a_diagonal_cell_lists_the_least_confident_right_answers_first(service):
    from dashboard.pages import errors

    predictions = service.predictions(RUN_NAMES[1])
    heading, gallery = errors.cell_view(RUN_NAMES[1], 3, 3)
    shown = tile_indices(gallery)
    assert shown == list(predictions.cell(3, 3)[::-1][: service.settings.cell_gallery_size])
    assert list(np.diff(predictions.confidence[shown]) >= 0) == [True] * (len(shown) - 1)
    assert "least confident" in text(heading)


def test_clicked_cell_is_shown_outlined_and_kept_when_the_run_changes(service):
    from dashboard.pages import errors

    chosen = errors.choose_cell({"points": [{"x": 5, "y": 3}]})
    assert chosen == [3, 5]
    for name in RUN_NAMES:
        heading = errors.show_cell(chosen, name)[0]
        count = len(service.predictions(name).cell(3, 5))
        assert text(heading).startswith("True 3, predicted 5") and f"{count:,} images" in text(
            heading
        )
        shape = errors.show_matrix(name, "counts", chosen).layout.shapes[0]
        assert (shape.x0, shape.y0) == (4.5, 2.5)
    true, predicted = service.predictions(RUN_NAMES[0]).most_confused()
    assert text(errors.show_cell(None, RUN_NAMES[0])[0]).startswith(
        f"True {true}"
    )  # before any choice


def test_errors_link_reopens_the_cell_and_mode_and_explains_a_bad_value(service):
    from dashboard.pages import errors

    page = errors.layout(cell="3-5", mode="share", run=RUN_NAMES[1])
    assert find(page, lambda c: getattr(c, "id", None) == "errors-chosen-cell")[0].data == [3, 5]
    assert find(page, lambda c: getattr(c, "id", None) == "errors-normalize")[0].value == "share"
    assert find(page, lambda c: "query-notice" in (getattr(c, "className", "") or ""))[0].hidden
    page = errors.layout(cell="35", mode="log")
    notice = find(page, lambda c: "query-notice" in (getattr(c, "className", "") or ""))[0]
    assert not notice.hidden and "cell='35'" in text(notice) and "mode='log'" in text(notice)
    assert find(page, lambda c: getattr(c, "id", None) == "errors-chosen-cell")[0].data is None


@pytest.mark.parametrize("raw", ["10000", "abc", "-3"])
def test_saliency_link_with_a_bad_index_says_so_instead_of_showing_image_0(service, raw):
    from dashboard.pages import saliency

    page = saliency.layout(index=raw, method="occlusion")
    assert find(page, lambda c: getattr(c, "id", None) == "saliency-index")[0].value is None
    assert find(page, lambda c: getattr(c, "id", None) == "saliency-method")[0].value == "occlusion"
    notice = find(page, lambda c: "query-notice" in (getattr(c, "className", "") or ""))[0]
    assert (
        not notice.hidden
        and f"index={raw}" in text(notice).replace("'", "")
        and "0 to 9999" in text(notice)
    )
    good = saliency.layout(index="42", method="all")
    assert find(good, lambda c: getattr(c, "id", None) == "saliency-index")[0].value == 42


def test_dataset_link_opens_the_gallery_on_its_digit(service):
    from dashboard.pages import dataset

    page = dataset.layout(digit="7")
    assert find(page, lambda c: getattr(c, "id", None) == "dataset-gallery-digit")[0].value == 7
    notice = find(
        dataset.layout(digit="12"), lambda c: "query-notice" in (getattr(c, "className", "") or "")
    )[0]
    assert not notice.hidden and "digit=12" in text(notice)


def test_probabilities_default_to_the_worst_mistake(service):
    from dashboard.pages import errors

    name = RUN_NAMES[1]
    worst = int(service.predictions(name).confident_mistakes(1)[0])
    figure, caption, image = errors.show_probabilities(None, name)
    assert f"#{worst}" in figure.layout.title.text
    np.testing.assert_allclose(
        figure.data[0].y, service.probabilities(name, calibrated=True)[worst]
    )  # the default
    raw, _, _ = errors.show_probabilities(None, name, "raw")
    np.testing.assert_allclose(raw.data[0].y, service.run(name).probabilities[worst])
    assert caption.href == f"/saliency?index={worst}"
    assert image[0].src == png_data_url(service.mnist.x_test[worst]) and f"#{worst}" in text(
        image[1]
    )  # the image itself
    figure, _, _ = errors.show_probabilities(7, name)
    assert figure.layout.title.text.startswith(f"Test image #7: true {service.mnist.y_test[7]}")


def test_errors_page_follows_the_run(service):
    from dashboard.pages import errors

    mistakes = [tile_indices(html.Div(errors.show_mistakes(name))) for name in RUN_NAMES]
    assert mistakes[0] != mistakes[1]
    for name, shown in zip(RUN_NAMES, mistakes, strict=False):
        assert shown == list(
            service.predictions(name).confident_mistakes(service.settings.mistakes_size)
        )
    matrix = errors.show_matrix(RUN_NAMES[0], "share", None)
    recall = service.run(RUN_NAMES[0]).evaluation["per_class"][0]["recall"]
    assert float(matrix.data[1].text[0][0]) == pytest.approx(
        100 * recall, abs=0.05
    )  # the diagonal's recall, in %
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
    assert text(verdict).startswith(
        f"{RUN_NAMES[1]} predicts {service.predictions(RUN_NAMES[1]).predicted[index]}"
    )


def test_gallery_shows_the_chosen_digit_and_new_samples_on_click(service):
    from dashboard.pages import dataset

    def shown(clicks):
        captions = [
            text(c)
            for c in find(
                dataset.show_gallery(6, clicks), lambda c: type(c).__name__ == "Figcaption"
            )
        ]
        return [int(caption.split("#")[1]) for caption in captions]

    first, again, second = shown(0), shown(0), shown(1)
    assert (
        len(first) == service.settings.gallery_size and first == again and set(first) != set(second)
    )
    assert (service.mnist.y_train[first + second] == 6).all()


def test_spread_switches_between_variance_and_std(service):
    from dashboard.pages import dataset

    variance, std = dataset.show_spread("variance"), dataset.show_spread("std")
    np.testing.assert_allclose(
        np.sqrt(np.array(variance.data[4].z)), np.array(std.data[4].z), atol=1e-6
    )
    assert std.layout.coloraxis.colorbar.title.text == "deviation"


def test_training_page_follows_the_run_and_compares_runs(service):
    from dashboard.pages import curves as page

    curves = page.show_curves(RUN_NAMES[1])
    assert RUN_NAMES[1] in curves.layout.title.text and len(curves.data[0].x) == 2
    overlay = page.show_overlay(list(RUN_NAMES) + ["vanished"])
    assert {t.legendgroup for t in overlay.data} == set(RUN_NAMES)
    assert {t.line.color for t in overlay.data if t.legendgroup == RUN_NAMES[1]} == {
        curves.data[0].line.color
    }
    assert page.show_overlay([]).layout.annotations[0].text == "Choose runs to compare."
    table = page.show_table(RUN_NAMES[1])
    rows = find(table, lambda c: type(c).__name__ == "Tr")[1:]
    assert [r.className for r in rows] == [None, "selected"]
    assert "convnet" in text(
        rows[1]
    ) and f"{service.run(RUN_NAMES[1]).evaluation['accuracy']:.2%}" in text(rows[1])
    header = [text(c) for c in find(table, lambda c: type(c).__name__ == "Th")]
    cells = dict(
        zip(
            header,
            [text(c) for c in find(rows[1], lambda c: type(c).__name__ == "Td")],
            strict=False,
        )
    )
    recorded = service.run(RUN_NAMES[1]).metadata["hyperparameters"]
    assert cells["batch"] == str(recorded["batch_size"]) and cells["augment"] == (
        "yes" if recorded["augment"] else "no"
    )
    assert cells["training images"] == f"{recorded['train_size']:,}" and cells["seed"] == "0"


def test_runs_table_tolerates_missing_hyperparameters():
    from dashboard.pages.curves import hyperparameter_cells
    from dashboard.service.service import recorded_hyperparameters

    assert hyperparameter_cells(recorded_hyperparameters({})) == ("–", "–", "–", "–", "–")
    old = recorded_hyperparameters(
        {"seed": 3, "hyperparameters": {"augment": True, "train_size": None}}
    )
    assert hyperparameter_cells(old) == ("–", "–", "yes", "all", "3")
    assert hyperparameter_cells({"preset": "fast", "batch_size": 64}) == (
        "fast",
        "64",
        "–",
        "–",
        "–",
    )


def test_overview_links_every_page_draw_first_with_a_picture_of_digits(service):
    import dash

    from dashboard.pages import home

    page = home.layout()
    links = [c.href for c in find(page, lambda c: type(c).__name__ == "Link")]
    pages = {p["relative_path"] for p in dash.page_registry.values() if p["path"] != "/"}
    cards = [
        c.href
        for c in find(page, lambda c: type(c).__name__ == "Link" and c.children.startswith("Open"))
    ]
    assert set(cards) == pages and cards[0] == "/draw" and links[0] == "/draw"
    picture = find(page, lambda c: type(c).__name__ == "Img")[0]
    assert picture.src.startswith("data:image/png;base64,") and "digits" in picture.alt


def test_home_summarizes_the_selected_run(service):
    from dashboard.pages import home

    summary = text(home.show_summary(RUN_NAMES[1]))
    assert (
        f"{service.run(RUN_NAMES[1]).evaluation['accuracy']:.2%}" in summary
        and "convnet" in summary
    )
