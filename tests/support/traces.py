"""What a training can leave behind in a runs directory: hidden directories and training
processes."""

from __future__ import annotations

from pathlib import Path

import psutil


def hidden_dirs(runs_dir: Path) -> list[str]:
    """Hidden directories in `runs_dir`: what an unfinished, killed or half-deleted run would
    leave."""
    return sorted(p.name for p in runs_dir.iterdir() if p.is_dir() and p.name.startswith("."))


def trainer_processes(runs_dir: Path) -> list[psutil.Process]:
    """The `python -m model.training.jobs` processes (training jobs) writing into `runs_dir`."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if "model.training.jobs" in command and str(runs_dir) in command:
            found.append(process)
    return found
