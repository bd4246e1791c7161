"""Shared fixtures: real MNIST data and tiny real runs trained once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.data import Mnist, load_mnist
from model.train import TrainConfig, train


@pytest.fixture(scope="session")
def mnist() -> Mnist:
    """The shipped dataset, checked."""
    return load_mnist()


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """A runs directory holding two tiny real runs: `convnet` (2 epochs) and `baseline` (1 epoch)."""
    root = tmp_path_factory.mktemp("runs")
    train(TrainConfig(architecture="convnet", epochs=2, train_size=4000, tta=False, out=root / "convnet"), verbose=0)
    train(TrainConfig(architecture="baseline", epochs=1, train_size=2000, tta=False, out=root / "baseline"),
          verbose=0)
    return root


@pytest.fixture(scope="session")
def tiny_run(runs_dir: Path) -> Path:
    """A tiny convnet run directory, complete and loadable."""
    return runs_dir / "convnet"
