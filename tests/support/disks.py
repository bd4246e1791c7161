"""A disk that refuses writes, for the tests of every write: full, or read-only.

Where the machine allows mounting (root with the right to mount), the disk is a real tmpfs of a
few hundred kilobytes: "full" fills it to the last byte, "read-only" remounts it read-only. Where it
does not, the file system calls that write (`os.open` for writing, `os.replace`, `os.rename`,
`os.mkdir`; a full disk still renames) fail under the directory with the `OSError` a full or
read-only disk gives (ENOSPC, EROFS), which is what the writers see on a real one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

KINDS = {"full": errno.ENOSPC, "read-only": errno.EROFS}
DISK_KILOBYTES = 2048  # room for a copy of a tiny run


def _mount(where: Path) -> bool:
    command = ["mount", "-t", "tmpfs", "-o", f"size={DISK_KILOBYTES}k", "tmpfs", str(where)]
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def _fill(disk: Path) -> None:
    """Write zeros into `disk` until it has no byte left."""
    for name, chunk in (("filler", 65536), ("filler-small", 1)):
        with contextlib.suppress(OSError), open(disk / name, "wb", buffering=0) as filler:
            while True:
                filler.write(b"\0" * chunk)


class Disk:
    """A directory `path` on its own disk; `break_()` makes it `kind` ("full", "read-only")."""

    def __init__(self, path: Path, kind: str, mounted: bool, monkeypatch) -> None:
        self.path, self.kind, self.mounted, self._patch = path, kind, mounted, monkeypatch

    def break_(self) -> None:
        """From now on, writes under `path` fail as on a full or read-only disk."""
        if self.mounted and self.kind == "full":
            _fill(self.path)
        elif self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)
        else:
            self._simulate()

    def _simulate(self) -> None:
        code, root = KINDS[self.kind], str(self.path)

        def inside(*paths) -> bool:
            return any(os.fspath(p).startswith(root) for p in paths if isinstance(p, (str, Path)))

        def refuse(name: str):
            real = getattr(os, name)

            def call(*args, **kwargs):
                flags = args[1] if name == "open" and len(args) > 1 else os.O_WRONLY
                if inside(*args[:2]) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                    raise OSError(code, os.strerror(code), os.fspath(args[0]))
                return real(*args, **kwargs)

            return call

        renames = ("replace", "rename") if self.kind == "read-only" else ()  # a full disk renames
        for name in ("open", "mkdir", *renames):
            self._patch.setattr(os, name, refuse(name))


@contextlib.contextmanager
def disk(where: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    """A `Disk` at `where` (made here), a real tmpfs where the machine allows it."""
    where.mkdir(parents=True)
    mounted = _mount(where)
    try:
        yield Disk(where, kind, mounted, monkeypatch)
    finally:
        monkeypatch.undo()
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=False)
