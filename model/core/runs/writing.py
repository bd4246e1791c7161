"""The one atomic writer and the one file lock: every file the project writes for a reader to find.

A file is written to a hidden temporary file beside it and renamed into place, so a reader sees the
old file or the new one, never half of one; a run directory is filled in a hidden temporary
directory and renamed into place, so an interrupted run never looks complete.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from model.core.runs.files import RUN_FILES, RunError

DISK_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission is denied",
    errno.EPERM: "permission is denied",
}


class WriteError(RunError):
    """A file could not be written (a full or read-only disk, no permission); nothing was left."""


def write_failure(path: Path | str, error: OSError) -> WriteError:
    """A `WriteError` saying in words why `path` could not be written (`error`)."""
    reason = DISK_PROBLEMS.get(error.errno or 0, error.strerror or str(error))
    return WriteError(f"could not write {Path(path).name} in {Path(path).parent}: {reason}")


@contextlib.contextmanager
def atomic_path(path: Path | str, *, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block ends without
    an exception, else removed.

    `suffix` (default: `path`'s) ends the temporary name, for writers that append one (`np.save`).
    An `OSError` (a full or read-only disk) is a `WriteError` saying so, with no temporary file
    left and `path` untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.",
            suffix=path.suffix if suffix is None else suffix,
            dir=path.parent,
        )
    except OSError as error:
        raise write_failure(path, error) from error
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        temp.chmod(0o644)
        os.replace(temp, path)
    except OSError as error:
        if error.errno is None:  # not the disk: e.g. a download's HTTP error inside the block
            raise
        raise write_failure(path, error) from error
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def write_with(path: Path | str, write: Callable[[Path], object]) -> Path:
    """`write(temp)` writes the file, which is then renamed onto `path` atomically."""
    with atomic_path(path) as temp:
        write(temp)
    return Path(path)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write `data` to `path` atomically."""
    return write_with(path, lambda temp: temp.write_bytes(data))


def write_json(path: Path | str, data: object, *, indent: int | None = 2) -> Path:
    """Write `data` as JSON to `path` atomically (a reader never sees half a file)."""
    text = json.dumps(data, indent=indent) + "\n"
    return write_with(path, lambda temp: temp.write_text(text))


def write_run(destination: Path, fill: Callable[[Path], object], *, overwrite: bool = True) -> Path:
    """Create run directory `destination` atomically: `fill(temp_dir)` writes the files, then it is
    renamed.

    If `fill` raises, nothing is left behind and an existing run at `destination` is untouched.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists() and not overwrite:
        raise RunError(f"{destination} already exists")
    temp = Path(
        tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    )
    try:
        temp.chmod(0o755)
        fill(temp)
        missing = [name for name in RUN_FILES if not (temp / name).exists()]
        if missing:
            raise RunError(f"run for {destination} is incomplete: missing {', '.join(missing)}")
        old = None
        if destination.exists():
            old = hidden_beside(destination, f"old-{os.getpid()}")
            os.replace(destination, old)
        os.replace(temp, destination)
        if old is not None:
            shutil.rmtree(old)
    except OSError as error:
        if error.errno is None:  # not the disk: an error of `fill`'s own
            raise
        raise write_failure(destination, error) from error
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return destination


def delete_tree(path: Path) -> None:
    """Delete directory `path`: renamed out of sight first (hidden), so it never shows
    half-deleted."""
    trash = hidden_beside(path, f"deleted-{os.getpid()}")
    os.replace(path, trash)
    shutil.rmtree(trash)


def hidden_beside(path: Path, tag: str) -> Path:
    """A hidden name beside `path` (never listed as a run): `.NAME.TAG`."""
    return path.parent / f".{path.name}.{tag}"


@contextlib.contextmanager
def locked(lock_file: Path | str, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive `fcntl` lock on `lock_file` (created if missing) for the block, across
    processes.

    With `wait=False`, `BlockingIOError` at once if another process holds it. On a read-only disk
    an existing lock file still locks (`flock` needs no write access); a missing one is a
    `WriteError`.
    """
    handle = _open_lock(Path(lock_file))
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        yield
    finally:
        os.close(handle)


def _open_lock(lock_file: Path) -> int:
    """A descriptor of `lock_file` to `flock`: created if missing, read-only if the disk is."""
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        return os.open(lock_file, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as error:
        if lock_file.is_file():
            return os.open(lock_file, os.O_RDONLY)
        raise write_failure(lock_file, error) from error
