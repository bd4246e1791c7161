"""The numerics behind the pages: dataset statistics, class samples, projections, indexed
predictions."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from model.core.error_index import index_predictions
from model.core.runs import RunError, check_model_file
from model.dataset import projection as projection_module
from model.dataset.projection import (
    file_name,
    load_projection,
    project,
    read_projection,
    sample_indices,
)
from model.dataset.statistics import (
    OVERALL,
    class_sample,
    compute_statistics,
    label_counts,
    pixel_statistics,
)


def test_label_counts_of_the_real_splits(mnist):
    stats = compute_statistics(mnist)
    assert stats.train_counts.sum() == 60000 and stats.test_counts.sum() == 10000
    assert stats.train_counts[0] == 5923 and stats.train_counts[1] == 6742
    assert stats.test_counts[5] == 892


def test_label_counts_rejects_non_digits():
    with pytest.raises(ValueError, match="digits 0-9"):
        label_counts(np.array([1, 10]))


def test_pixel_statistics_match_numpy_per_class_and_overall(mnist):
    stats = compute_statistics(mnist)
    ones = mnist.x_train[mnist.y_train == 1] / 255.0
    np.testing.assert_allclose(stats.mean[1], ones.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(stats.variance[1], ones.var(axis=0), atol=1e-6)
    everything = mnist.x_train / 255.0
    np.testing.assert_allclose(stats.mean[OVERALL], everything.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(stats.std[OVERALL], everything.std(axis=0), atol=1e-5)
    assert stats.variance[:, 0, 0].max() == 0  # the corner is never inked


def test_pixel_statistics_of_a_tiny_set():
    images = np.array([[[0, 255]], [[255, 255]], [[51, 0]]], dtype=np.uint8)
    mean, variance = pixel_statistics(images, np.array([3, 3, 7]))
    np.testing.assert_allclose(mean[3], [[0.5, 1.0]])
    np.testing.assert_allclose(variance[3], [[0.25, 0.0]], atol=1e-7)
    np.testing.assert_allclose(mean[7], [[0.2, 0.0]])
    assert np.isnan(mean[0]).all()  # a class with no image has no mean
    with pytest.raises(ValueError, match="one label each"):
        pixel_statistics(images, np.array([3]))


def test_class_sample_is_of_the_class_distinct_and_seeded(mnist):
    first = class_sample(mnist.y_train, 4, 24, seed=0)
    assert len(set(first)) == 24 and (mnist.y_train[first] == 4).all()
    np.testing.assert_array_equal(first, class_sample(mnist.y_train, 4, 24, seed=0))
    assert set(first) != set(class_sample(mnist.y_train, 4, 24, seed=1))
    with pytest.raises(ValueError, match="digit must be 0-9, got 10"):
        class_sample(mnist.y_train, 10, 5, seed=0)


def test_predictions_index_cells_by_confidence():
    labels = np.array([0, 0, 0, 1, 1])
    probabilities = np.zeros((5, 10), np.float32)
    probabilities[0, 1], probabilities[1, 1], probabilities[2, 0] = (
        0.6,
        0.9,
        0.8,
    )  # two 0s read as 1
    probabilities[3, 1], probabilities[4, 0] = 0.7, 0.55
    probabilities += (1 - probabilities.sum(axis=1, keepdims=True)) / 10
    predictions = index_predictions(labels, probabilities)
    np.testing.assert_array_equal(predictions.cell(0, 1), [1, 0])
    np.testing.assert_array_equal(predictions.cell(0, 0), [2])
    assert len(predictions.cell(5, 5)) == 0
    np.testing.assert_array_equal(predictions.confident_mistakes(10), [1, 0, 4])
    assert predictions.most_confused() == (0, 1)
    with pytest.raises(ValueError, match="predicted must be a digit"):
        predictions.cell(0, 10)
    with pytest.raises(ValueError, match=r"shape \(5, 10\)"):
        index_predictions(labels, probabilities[:, :9])


def test_sample_indices_are_seeded_and_checked():
    np.testing.assert_array_equal(sample_indices(100, 10, 3), sample_indices(100, 10, 3))
    with pytest.raises(ValueError, match="size must be between 1 and 100, got 101"):
        sample_indices(100, 101, 0)


def test_pca_projection_spreads_digits_apart(mnist):
    images, labels = mnist.x_test[:500], mnist.y_test[:500]
    coordinates = project(images, "pca", seed=0)
    assert coordinates.shape == (500, 2)
    ones, zeros = coordinates[labels == 1].mean(axis=0), coordinates[labels == 0].mean(axis=0)
    assert np.linalg.norm(ones - zeros) > coordinates.std()  # 0s and 1s land apart
    with pytest.raises(ValueError, match="method must be one of"):
        project(images, "umap", seed=0)


def test_projection_is_computed_once_then_read_from_the_cache(service, cache_dir, monkeypatch):
    computed = service.projection  # computed for this session's app, into cache_dir
    size, seed = service.settings.projection_size, service.settings.projection_seed
    assert (cache_dir / file_name(size, seed)).is_file()
    assert computed.coordinates["tsne"].shape == (size, 2)

    def refuse(*_args):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(projection_module, "compute_projection", refuse)
    cached = load_projection(size, seed, cache_dir)
    np.testing.assert_array_equal(cached.coordinates["tsne"], computed.coordinates["tsne"])
    np.testing.assert_array_equal(cached.indices, computed.indices)


def test_shipped_projection_is_the_default_sample(mnist):
    shipped = projection_module.SHIPPED_DIR / file_name(
        projection_module.DEFAULT_SIZE, projection_module.DEFAULT_SEED
    )
    projection = read_projection(shipped)
    np.testing.assert_array_equal(
        projection.indices, sample_indices(10000, projection_module.DEFAULT_SIZE, 0)
    )
    np.testing.assert_array_equal(projection.labels, mnist.y_test[projection.indices])
    assert all(
        np.isfinite(c).all() and c.shape == (3000, 2) for c in projection.coordinates.values()
    )


def test_check_model_file_catches_a_truncated_model(runs_dir, tmp_path):
    good = runs_dir / "baseline"
    check_model_file(good)
    broken = tmp_path / "broken"
    shutil.copytree(good, broken)
    data = (broken / "model.keras").read_bytes()
    (broken / "model.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(RunError, match="model file .* (unreadable|damaged)"):
        check_model_file(broken)
