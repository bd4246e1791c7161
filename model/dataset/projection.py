"""2-D projections (PCA and t-SNE) of a fixed random sample of test images, cached on disk.

t-SNE of 3,000 images takes tens of seconds on two cores, far too long for a request or for
the dashboard's start, so projections are computed once and stored as an .npz whose name is a
hash of every input (sample size and seed, method settings, dataset checksum, scikit-learn
version). `load_projection` looks for that file first in `data/` (the repository ships the
default one, written by `python -m model.dataset.projection`, so a fresh clone starts fast), then in
the cache directory (`.cache/`, ignored by git); only when neither holds it does it compute
and write it to the cache directory. Any other sample size or seed is therefore computed once
per machine, and a scikit-learn upgrade recomputes rather than serving stale points.

Usage: `python -m model.dataset.projection [--size 3000] [--seed 0] [--out-dir data]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model import config
from model.core.mnist import DataError, load_mnist, pixels
from model.core.runs import write_with

log = logging.getLogger(__name__)

METHODS = ("pca", "tsne")
DEFAULT_SIZE = 3000
DEFAULT_SEED = 0
PCA_DIMENSIONS = 50  # t-SNE runs on the first 50 principal components, the usual de-noising step
TSNE_PERPLEXITY = 30.0
SHIPPED_DIR = config.PROJECT_ROOT / "data"
CACHE_DIR = config.PROJECT_ROOT / ".cache"


@dataclass(frozen=True)
class Projection:
    """Test-set `indices` (n,), their `labels` (n,) and 2-D coordinates per method, each (n, 2)."""

    indices: np.ndarray
    labels: np.ndarray
    coordinates: dict[str, np.ndarray]


def sample_indices(total: int, size: int, seed: int) -> np.ndarray:
    """`size` distinct indices below `total`, sorted, chosen with `seed`."""
    if not 0 < size <= total:
        raise ValueError(f"size must be between 1 and {total}, got {size}")
    return np.sort(np.random.default_rng(seed).choice(total, size, replace=False))


def project(images: np.ndarray, method: str, seed: int) -> np.ndarray:
    """2-D coordinates (n, 2) of uint8 `images` (n, 28, 28) by `method` ("pca" or "tsne")."""
    return embed(pixels(images).reshape(len(images), -1), method, seed)


def embed(flat: np.ndarray, method: str, seed: int) -> np.ndarray:
    """2-D coordinates (n, 2) of feature vectors `flat` (n, d) by `method` ("pca" or "tsne")."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(flat).astype(np.float32)
    reduced = PCA(n_components=min(PCA_DIMENSIONS, *flat.shape), random_state=seed).fit_transform(
        flat
    )
    perplexity = min(TSNE_PERPLEXITY, (len(flat) - 1) / 3)
    tsne = TSNE(
        n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed
    )
    return tsne.fit_transform(reduced).astype(np.float32)


def cache_key(size: int, seed: int) -> str:
    """A short hash of everything the projection depends on."""
    import sklearn

    inputs = {
        "size": size,
        "seed": seed,
        "methods": METHODS,
        "pca_dimensions": PCA_DIMENSIONS,
        "perplexity": TSNE_PERPLEXITY,
        "x_test": config.ARRAY_SHA256["x_test"],
        "sklearn": sklearn.__version__,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def file_name(size: int, seed: int) -> str:
    """The .npz file name of a projection."""
    return f"projection-{size}-{seed}-{cache_key(size, seed)}.npz"


def compute_projection(size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> Projection:
    """Project a sample of `size` test images chosen with `seed` by every method."""
    mnist = load_mnist()
    indices = sample_indices(len(mnist.y_test), size, seed)
    images = mnist.x_test[indices]
    coordinates = {method: project(images, method, seed) for method in METHODS}
    return Projection(indices, mnist.y_test[indices], coordinates)


def save_projection(projection: Projection, path: Path) -> Path:
    """Write `projection` to `path` atomically."""
    arrays: dict[str, Any] = {
        "indices": projection.indices,
        "labels": projection.labels,
        **projection.coordinates,
    }  # one dict: numpy's stubs would match the coordinates to savez's `allow_pickle`
    return write_with(path, lambda temp: np.savez_compressed(temp, **arrays))


def read_projection(path: Path) -> Projection:
    """Read a projection written by `save_projection`."""
    with np.load(path, allow_pickle=False) as npz:
        return Projection(
            npz["indices"], npz["labels"], {method: npz[method] for method in METHODS}
        )


def load_projection(
    size: int = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    cache_dir: Path = CACHE_DIR,
    shipped_dir: Path = SHIPPED_DIR,
) -> Projection:
    """The projection of `size` test images chosen with `seed`: shipped, cached, or computed and
    cached."""
    name = file_name(size, seed)
    for directory in (Path(shipped_dir), Path(cache_dir)):
        if (directory / name).is_file():
            try:
                return read_projection(directory / name)
            except (OSError, ValueError, KeyError) as error:
                log.warning("projection file %s is damaged (%s): skipped", directory / name, error)
    log.info(
        "computing the projection of %d test images (seed %d): no shipped or cached file",
        size,
        seed,
    )
    projection = compute_projection(size, seed)
    save_projection(projection, Path(cache_dir) / name)
    return projection


def main(argv: list[str] | None = None) -> int:
    """Compute a projection and write it where `load_projection` finds it."""
    parser = argparse.ArgumentParser(
        prog="python -m model.dataset.projection", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="number of test images")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out-dir", type=Path, default=SHIPPED_DIR, help="directory of the .npz")
    args = parser.parse_args(argv)
    try:
        projection = compute_projection(args.size, args.seed)
    except ValueError as error:
        parser.error(str(error))
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    path = save_projection(projection, args.out_dir / file_name(args.size, args.seed))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
