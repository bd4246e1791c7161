"""Project basics: CI runs exactly the README's test command; requirements are pinned."""

from __future__ import annotations

import re

from model import config

ROOT = config.PROJECT_ROOT


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    app_command, test_command = _bash_blocks(readme)[:2]
    assert "python -m dashboard" in app_command and "pytest" in test_command
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert test_command in ci_lines


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


def test_model_never_imports_dash_or_plotly():
    for path in (ROOT / "model").glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+(dash|plotly)\b", path.read_text(), flags=re.M), path
