"""The shipped dataset: known facts, checks on broken files, the validation split."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from model import config
from model.core.mnist import DataError, load_mnist, main, pixels, validation_split


def test_known_facts(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert np.bincount(mnist.y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(mnist.y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    train = pixels(mnist.x_train)
    assert train.mean() == pytest.approx(0.1307, abs=5e-5)
    assert train.std() == pytest.approx(0.3081, abs=5e-5)


def test_arrays_are_read_only_and_cached(mnist):
    assert load_mnist() is mnist
    with pytest.raises(ValueError):
        mnist.x_train[0, 0, 0] = 1


def test_validation_split_is_fixed_and_disjoint(mnist):
    first, second = validation_split(mnist), validation_split(mnist)
    assert (
        len(first.y_val) == config.VALIDATION_SIZE
        and len(first.y_train) == 60000 - config.VALIDATION_SIZE
    )
    np.testing.assert_array_equal(first.y_val, second.y_val)
    # every training image lands in exactly one part: compare image checksums
    seen = {img.tobytes() for img in first.x_val[:500]}
    assert not seen & {img.tobytes() for img in first.x_train}
    assert set(np.unique(first.y_val)) == set(range(10))
    assert not np.array_equal(validation_split(mnist, seed=1).y_val, first.y_val)
    with pytest.raises(ValueError, match="size must be"):
        validation_split(mnist, size=0)


def test_missing_file_names_file_and_fix(tmp_path):
    with pytest.raises(DataError) as error:
        load_mnist(tmp_path / "mnist.npz")
    message = str(error.value)
    assert "mnist.npz is missing" in message and "--download" in message and "\n" not in message


def test_corrupt_file_is_refused(tmp_path):
    broken = tmp_path / "mnist.npz"
    broken.write_bytes(b"this is not a zip archive")
    with pytest.raises(DataError, match="corrupt"):
        load_mnist(broken)


def test_changed_array_fails_its_checksum(tmp_path, mnist):
    x_test = mnist.x_test.copy()
    x_test[0, 14, 14] ^= 1
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=mnist.x_train, y_train=mnist.y_train, x_test=x_test, y_test=mnist.y_test)
    with pytest.raises(DataError, match="checksum of x_test"):
        load_mnist(path)


def test_wrong_shape_is_named(tmp_path, mnist):
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=mnist.x_train[:10],
        y_train=mnist.y_train,
        x_test=mnist.x_test,
        y_test=mnist.y_test,
    )
    with pytest.raises(DataError, match=r"x_train is uint8\(10, 28, 28\)"):
        load_mnist(path)


def test_cli_checks_the_file(tmp_path, capsys):
    assert main([]) == 0
    assert "checksums match" in capsys.readouterr().out
    copy = tmp_path / "copy.npz"
    shutil.copy(config.DATA_PATH, copy)
    with open(copy, "r+b") as handle:
        handle.truncate(1000)
    assert main(["--path", str(copy)]) == 1
    assert "corrupt" in capsys.readouterr().err
