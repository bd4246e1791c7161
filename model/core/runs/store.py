"""The runs directory: names to directories (one name check), the list of runs, the default and the
shipped ones, rename, delete and export.

Beside the runs, `ROOT/SHIPPED` lists the runs that ship with the project (never renamed, deleted
or trained over) and `ROOT/DEFAULT` names the run the app and the commands use when none is chosen.
Directories whose names start with "." (runs being written or deleted) are never listed.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from pathlib import Path

from model.core.runs.files import (
    CALIBRATION_FILE,
    DERIVED_PATTERNS,
    RUN_FILES,
    RunError,
    RunFiles,
    check_run_name,
    load_run,
    read_json,
)
from model.core.runs.writing import WriteError, delete_tree, write_failure, write_json

SHIPPED_FILE = "SHIPPED"
DEFAULT_FILE = "DEFAULT"

log = logging.getLogger(__name__)


def list_runs(root: Path | str) -> list[Path]:
    """The complete run directories under `root`, sorted by name; hidden (in-progress) ones are
    skipped."""
    root = Path(root)
    if not root.is_dir():
        log.warning("runs directory %s does not exist: no runs listed", root)
        return []
    runs = []
    for child in root.iterdir():
        if not child.is_dir() or child.name.startswith("."):
            continue
        missing = RunFiles(child).missing()
        if missing:
            log.warning("%s skipped: not a complete run (missing %s)", child, ", ".join(missing))
        else:
            runs.append(child)
    return sorted(runs)


def _names_in(file: Path) -> list[str]:
    """The names listed in `file`, one a line, "#" starting a comment; [] if there is no file."""
    try:
        lines = file.read_text().splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def shipped_runs(root: Path | str) -> frozenset[str]:
    """The names listed in `root/SHIPPED` (the runs that ship with the project), empty if there is
    no list."""
    return frozenset(_names_in(Path(root) / SHIPPED_FILE))


def is_shipped(path: Path | str) -> bool:
    """Whether run directory `path` is one of its runs directory's shipped runs."""
    path = Path(path)
    return path.name in shipped_runs(path.parent)


def refuse_shipped(path: Path | str, action: str) -> None:
    """`RunError` saying that the shipped run at `path` cannot be `action` (e.g. "trained over")."""
    path = Path(path)
    if is_shipped(path):
        raise RunError(
            f"{path.name} ships with the project (listed in {path.parent / SHIPPED_FILE}): it "
            f"cannot be {action}; choose another name"
        )


def rename_run(path: Path | str, new_name: str) -> Path:
    """Rename run directory `path` to `new_name` in the same folder; `RunError` if that name is
    taken, `WriteError` (the run renamed back) if the disk refuses the rename or its metadata."""
    path = Path(path)
    target = path.parent / check_run_name(new_name)
    if target.exists():
        raise RunError(f"a run called {new_name!r} already exists")
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    try:
        os.rename(path, target)
    except OSError as error:
        raise write_failure(path, error) from error
    metadata_file = RunFiles(target).metadata
    try:
        metadata = read_json(metadata_file)
        metadata["name"] = new_name
        write_json(metadata_file, metadata)
    except WriteError:
        os.rename(target, path)
        log.warning("rename of %s to %s undone: its metadata could not be written", path, new_name)
        raise
    return target


def delete_run(path: Path | str) -> None:
    """Delete run directory `path`: renamed out of sight first, so it never shows half-deleted."""
    path = Path(path)
    if path.is_symlink():
        raise RunError(f"{path} is a link, not a run directory: remove the link itself")
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    delete_tree(path)


def export_run_zip(path: Path | str) -> bytes:
    """A zip archive of the run directory `path`, as bytes, files under `NAME/`: the run's files and
    what was computed from its model (calibration, feature maps, robustness curves); anything else
    (unknown names, links, files with other hard links) is left out, logged."""
    path = Path(path)
    load_run(path)
    files = sorted(child for child in path.iterdir() if _exportable(child))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, f"{path.name}/{file.name}")
    return buffer.getvalue()


def _exportable(file: Path) -> bool:
    """Whether `file` of a run goes into its export: a known name, a plain file of its own."""
    known = file.name in (*RUN_FILES, CALIBRATION_FILE) or any(
        file.match(pattern) for pattern in DERIVED_PATTERNS
    )
    plain = file.is_file() and not file.is_symlink() and file.stat().st_nlink == 1
    if not (known and plain):
        log.warning("%s left out of the export: not one of the run's own files", file)
    return known and plain


class RunStore:
    """The runs under one directory, by name."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, name: object) -> Path:
        """The directory of run `name` (which need not exist); `ValueError` for a bad name."""
        return self.root / check_run_name(name)  # type: ignore[arg-type]

    def files(self, name: object) -> RunFiles:
        """Where each file of run `name` is; `ValueError` for a bad name."""
        return RunFiles(self.path(name))

    def runs(self) -> list[Path]:
        """The complete runs, sorted by name (see `list_runs`)."""
        return list_runs(self.root)

    def names(self) -> list[str]:
        """The names of the complete runs, sorted."""
        return [path.name for path in self.runs()]

    def shipped(self) -> frozenset[str]:
        """The names of the runs that ship with the project."""
        return shipped_runs(self.root)

    def declared_default(self) -> str | None:
        """The run `ROOT/DEFAULT` names (first name in it), or None if there is no such file."""
        names = _names_in(self.root / DEFAULT_FILE)
        return names[0] if names else None

    def default_name(self, names: list[str] | None = None) -> str | None:
        """The default run among `names` (default: the runs listed now): the one `ROOT/DEFAULT`
        names, else (logged) the first shipped run, else the first run; None if there is none."""
        names = self.names() if names is None else names
        declared = self.declared_default()
        if declared in names:
            return declared
        shipped = [name for name in _names_in(self.root / SHIPPED_FILE) if name in names]
        fallback = next(iter(shipped or names), None)
        if declared is None:
            log.warning("%s names no run: the default is %s", self.root / DEFAULT_FILE, fallback)
        else:
            log.warning("default run %s is not in %s: using %s", declared, self.root, fallback)
        return fallback

    def default_path(self) -> Path:
        """The directory of the default run; `RunError` saying how to get one when there is none."""
        name = self.default_name()
        if name is None:
            raise RunError(
                f"no trained run in {self.root}; restore the shipped runs (git checkout -- runs) "
                "or train one with `python -m model.train`"
            )
        return self.root / name

    def rename(self, name: str, new_name: str) -> Path:
        """Rename run `name` to `new_name`; `RunError` for a shipped run or a name taken."""
        refuse_shipped(self.path(name), "renamed")
        return rename_run(self.path(name), new_name)

    def delete(self, name: str) -> None:
        """Delete run `name`; `RunError` for a shipped run or a missing one."""
        refuse_shipped(self.path(name), "deleted")
        delete_run(self.path(name))


def default_run_dir(root: Path | str) -> Path:
    """The directory of the default run under `root` (see `RunStore.default_path`)."""
    return RunStore(root).default_path()
