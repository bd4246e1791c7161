"""Load, check and (when asked) download the MNIST dataset; split off the validation set.

Usage: `python -m model.data [--download] [--path FILE]` checks the local file, or fetches the
canonical copy when it is missing.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import sys
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.core.runs.writing import atomic_path


class DataError(RuntimeError):
    """The dataset file is missing, corrupt or not the expected MNIST arrays."""


@dataclass(frozen=True)
class Mnist:
    """The four MNIST arrays: uint8 images of shape (n, 28, 28) with 0 = background, int labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Split:
    """Training images split into a training part and a held-out validation part."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def _fix_hint(path: Path) -> str:
    restore = (
        "git checkout -- data/mnist.npz"
        if path.resolve() == config.DATA_PATH.resolve()
        else "copy data/mnist.npz there"
    )
    return f"{restore}, or run `python -m model.data --download --path {path}`"


def _array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _check_arrays(arrays: dict[str, np.ndarray], path: Path) -> None:
    for key, shape in config.ARRAY_SHAPES.items():
        if key not in arrays:
            raise DataError(
                f"{path} is not the MNIST file: it has no array {key!r}; {_fix_hint(path)}"
            )
        array = arrays[key]
        if array.shape != shape or array.dtype != np.uint8:
            raise DataError(
                f"{path} is not the MNIST file: {key} is {array.dtype}{array.shape}, "
                f"expected uint8{shape}; {_fix_hint(path)}"
            )
        if _array_sha256(array) != config.ARRAY_SHA256[key]:
            raise DataError(
                f"{path} is corrupt: the checksum of {key} does not match; {_fix_hint(path)}"
            )


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(
            f"{path} is corrupt ({error.__class__.__name__}); {_fix_hint(path)}"
        ) from error


@functools.lru_cache(maxsize=4)
def _load_checked(path: Path, size: int, mtime_ns: int) -> Mnist:
    arrays = _read_npz(path)
    _check_arrays(arrays, path)
    for array in arrays.values():
        array.setflags(write=False)
    return Mnist(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"])


def load_mnist(
    path: Path | str | None = None,
    *,
    download: bool = False,
    url: str = config.CANONICAL_URL,
    sha256: str = config.CANONICAL_SHA256,
) -> Mnist:
    """Return the checked MNIST arrays from `path` (default `data/mnist.npz`), read-only and cached.

    When the file is missing, `download=True` fetches `url` (checked against `sha256`) first;
    otherwise a `DataError` names the file and the fix.
    """
    path = Path(path or config.DATA_PATH)
    if not path.exists():
        if not download:
            raise DataError(f"{path} is missing; {_fix_hint(path)}")
        download_mnist(path, url=url, sha256=sha256)
    stat = path.stat()
    return _load_checked(path.resolve(), stat.st_size, stat.st_mtime_ns)


def download_mnist(
    dest: Path | str,
    *,
    url: str = config.CANONICAL_URL,
    sha256: str = config.CANONICAL_SHA256,
    timeout: float = 60.0,
) -> Path:
    """Fetch `url` to `dest`, verify its SHA-256 and move it into place atomically.

    On any failure nothing is left at `dest` nor beside it, and a `DataError` says why.
    """
    dest = Path(dest)
    try:
        with atomic_path(dest, suffix=".part") as temp:
            digest = hashlib.sha256()
            with open(temp, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise DataError(
                    f"download from {url} has SHA-256 {digest.hexdigest()}, expected {sha256}; "
                    "nothing was written"
                )
    except OSError as error:
        raise DataError(f"could not download {url} to {dest}: {error}") from error
    return dest


def pixels(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images (n, 28, 28) to float32 in [0, 1], the models' input."""
    return np.asarray(images, dtype=np.float32) / 255.0


def validation_split(
    mnist: Mnist, *, size: int = config.VALIDATION_SIZE, seed: int = config.VALIDATION_SEED
) -> Split:
    """Hold out `size` training images, chosen with a fixed `seed`, for validation."""
    if not 0 < size < len(mnist.y_train):
        raise ValueError(f"size must be between 1 and {len(mnist.y_train) - 1}, got {size}")
    order = np.random.default_rng(seed).permutation(len(mnist.y_train))
    val, train = np.sort(order[:size]), np.sort(order[size:])
    return Split(mnist.x_train[train], mnist.y_train[train], mnist.x_train[val], mnist.y_train[val])


def main(argv: list[str] | None = None) -> int:
    """Check the dataset file, downloading it first when asked and missing."""
    parser = argparse.ArgumentParser(
        prog="python -m model.data", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--path", type=Path, default=config.DATA_PATH, help="the .npz file")
    parser.add_argument(
        "--download", action="store_true", help="fetch the canonical copy if missing"
    )
    args = parser.parse_args(argv)
    try:
        mnist = load_mnist(args.path, download=args.download)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"{args.path}: {len(mnist.y_train)} training and {len(mnist.y_test)} test images, "
        "checksums match"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
