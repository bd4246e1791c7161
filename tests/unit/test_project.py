"""Project basics: CI runs exactly the README's test command; requirements are pinned."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from model import config

ROOT = config.PROJECT_ROOT


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    app_command, test_command = _bash_blocks(readme)[:2]
    assert "python -m dashboard" in app_command and "pytest" in test_command
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert test_command in ci_lines


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 50


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=root,
        text=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=300,
    )


def test_the_layers_hold_as_import_linter_contracts():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_import_linter_catches_a_page_imported_outside_the_registry(tmp_path):
    for package in ("dashboard", "model"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (tmp_path / "dashboard" / "service" / "sneaky.py").write_text(
        "from dashboard.pages import draw\n"
    )
    (tmp_path / "model" / "plots.py").write_text("import plotly\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "Pages are imported by nothing but Dash's page registry BROKEN" in result.stdout
    assert "model/ never imports the app, Dash or Plotly BROKEN" in result.stdout


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_modules_and_functions_stay_small():
    too_long = []
    for package in ("dashboard", "model"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text()
            if text.count("\n") > MAX_MODULE_LINES:
                too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
            for function in _functions(ast.parse(text)):
                length = function.end_lineno - function.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(
                        f"{path.relative_to(ROOT)}:{function.lineno} {function.name}: {length} "
                        "lines"
                    )
    assert too_long == []
