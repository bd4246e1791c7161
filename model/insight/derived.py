"""What is worth computing once per trained model: the map of its learned features and its
robustness curve.

- The feature map: the last hidden layer's features of the same test images as the pixel map
  (model/dataset/projection.py's sample), reduced to 50 dimensions by PCA and placed in 2-D by t-SNE
  (about a minute for 3,000 images on two cores).
- The robustness curve: accuracy of FGSM- and PGD-attacked test images against ε, on the first
  `ROBUSTNESS_SIZE` test images.

Both are files named by a hash of the model file's bytes and of every setting, so a retrained
model never gets stale results. `load_or_compute_*` looks in the run directory first (the shipped
runs carry theirs, written by `python -m model.insight runs/NAME`), then in the cache directory;
only when neither holds the file does it compute it and write it to the cache directory.

Usage: `python -m model.insight RUN_DIR [RUN_DIR ...]` writes both files into each run directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from model.core.mnist import load_mnist, pixels
from model.core.runs import (
    RunError,
    RunFiles,
    features_name,
    robustness_name,
    write_json,
    write_with,
)
from model.dataset import projection
from model.insight.activations import Network
from model.insight.adversarial import CURVE_EPSILONS, PGD_STEPS, Attacker

log = logging.getLogger(__name__)
T = TypeVar("T")  # what a derived file holds, as read, computed and saved

ROBUSTNESS_SIZE = 1000


def model_digest(run_dir: Path) -> str:
    """A short SHA-256 of the run's model file."""
    return RunFiles(Path(run_dir)).digest()


def _key(digest: str, **inputs) -> str:
    return hashlib.sha256(
        json.dumps({"model": digest, **inputs}, sort_keys=True).encode()
    ).hexdigest()[:16]


def features_file(digest: str, size: int, seed: int) -> str:
    """The .npz name of a model's feature map of the projection sample (`size`, `seed`)."""
    return features_name(size, seed, _key(digest, projection=projection.cache_key(size, seed)))


def robustness_file(digest: str, size: int = ROBUSTNESS_SIZE) -> str:
    """The .json name of a model's robustness curve on the first `size` test images."""
    key = _key(digest, size=size, epsilons=CURVE_EPSILONS, pgd_steps=PGD_STEPS)
    return robustness_name(size, key)


def compute_features_map(network: Network, size: int, seed: int) -> np.ndarray:
    """t-SNE coordinates (size, 2) of `network`'s last hidden features of the projection sample."""
    mnist = load_mnist()
    indices = projection.sample_indices(len(mnist.y_test), size, seed)
    return projection.embed(network.features(pixels(mnist.x_test[indices])), "tsne", seed)


def compute_robustness(attacker: Attacker, size: int = ROBUSTNESS_SIZE) -> dict:
    """The robustness curve on the first `size` test images: {"epsilons": [...], "fgsm": [...],
    "pgd": [...]}."""
    mnist = load_mnist()
    curve = attacker.accuracy_curve(pixels(mnist.x_test[:size]), mnist.y_test[:size])
    return {"epsilons": list(CURVE_EPSILONS), "size": size, **curve}


def save_features_map(coordinates: np.ndarray, path: Path) -> Path:
    """Write feature-map coordinates (n, 2) to `path` atomically."""
    return write_with(
        path, lambda temp: np.savez_compressed(temp, tsne=np.asarray(coordinates, np.float32))
    )


def save_robustness(curve: dict, path: Path) -> Path:
    """Write a robustness curve to `path` atomically."""
    return write_json(path, curve, indent=1)


def read_features(path: Path) -> np.ndarray:
    """Feature-map coordinates (n, 2) written by `save_features_map`."""
    with np.load(path, allow_pickle=False) as npz:
        return npz["tsne"]


def read_robustness(path: Path) -> dict:
    """A robustness curve written by `save_robustness`; `ValueError` if it lacks a part."""
    curve = json.loads(path.read_text())
    if not {"epsilons", "fgsm", "pgd"} <= set(curve):
        raise ValueError(f"{path} lacks epsilons, fgsm or pgd")
    return curve


def find(name: str, run_dir: Path, cache_dir: Path, read: Callable[[Path], T]) -> T | None:
    """The contents of file `name` in `run_dir`, else in `cache_dir`; None when neither holds a
    readable one."""
    for directory in (Path(run_dir), Path(cache_dir)):
        if (directory / name).is_file():
            try:
                return read(directory / name)
            except (OSError, ValueError, KeyError) as error:
                log.warning("%s is damaged (%s): skipped", directory / name, error)
    return None


def load_or_compute(
    name: str,
    run_dir: Path,
    cache_dir: Path,
    *,
    read: Callable[[Path], T],
    compute: Callable[[], T],
    save: Callable[[T, Path], Path],
) -> T:
    """File `name` of run `run_dir` read by `read`: shipped in the run directory, cached, or
    computed and cached."""
    found = find(name, run_dir, cache_dir, read)
    if found is not None:
        return found
    log.info("computing %s of %s", name, run_dir)
    value = compute()
    save(value, Path(cache_dir) / name)
    return value


def load_features_map(
    run_dir: Path, cache_dir: Path, network: Network, *, size: int, seed: int, digest: str
) -> np.ndarray:
    """The feature map of run `run_dir`'s model: shipped, cached, or computed and cached."""
    return load_or_compute(
        features_file(digest, size, seed),
        run_dir,
        cache_dir,
        read=read_features,
        compute=lambda: compute_features_map(network, size, seed),
        save=save_features_map,
    )


def load_robustness(
    run_dir: Path, cache_dir: Path, attacker: Attacker, *, size: int, digest: str
) -> dict:
    """The robustness curve of run `run_dir`'s model: shipped, cached, or computed and cached."""
    return load_or_compute(
        robustness_file(digest, size),
        run_dir,
        cache_dir,
        read=read_robustness,
        compute=lambda: compute_robustness(attacker, size),
        save=save_robustness,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the feature map and the robustness curve of each run given into its directory."""
    from model.core.predictor import load_keras_model

    parser = argparse.ArgumentParser(
        prog="python -m model.insight", description=__doc__.splitlines()[0]
    )
    parser.add_argument("runs", nargs="+", type=Path, help="run directories")
    parser.add_argument(
        "--size", type=int, default=projection.DEFAULT_SIZE, help="test images in the feature map"
    )
    parser.add_argument("--seed", type=int, default=projection.DEFAULT_SEED)
    args = parser.parse_args(argv)
    for run_dir in args.runs:
        try:
            keras_model = load_keras_model(run_dir)
        except RunError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        digest = model_digest(run_dir)
        coordinates = compute_features_map(Network(keras_model), args.size, args.seed)
        features = run_dir / features_file(digest, args.size, args.seed)
        print(f"wrote {save_features_map(coordinates, features)}")
        curve = compute_robustness(Attacker(keras_model))
        print(f"wrote {save_robustness(curve, run_dir / robustness_file(digest))}")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
