"""House rules that keep the code base what it says it is."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_the_engine_never_imports_qt():
    offenders = [
        str(path.relative_to(REPO)) for path in (REPO / "outbound").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+(PySide6|shiboken6|pytestqt)", path.read_text(),
                     re.MULTILINE)
    ]
    assert offenders == []


def test_widgets_hold_no_sql():
    offenders = [
        str(path.relative_to(REPO)) for path in (REPO / "ui").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+sqlalchemy", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(REPO / ".venv" / "bin" / "ruff")
    if not shutil.which(ruff):
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_engine_imports_without_a_display():
    code = "import outbound.cli, outbound.importing, outbound.demo, sys; " \
           "sys.exit('PySide6' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_screens_connect_no_lambda_to_signals_that_outlive_them():
    """The scheduler, the theme and the application outlive every screen. Qt drops a
    connection to a screen's own method when the screen is deleted, but not one to a
    lambda, which then runs on a deleted screen ("Internal C++ object already
    deleted")."""
    long_lived = r"(scheduler|theme\.events|events|app|QApplication\.instance\(\))"
    pattern = re.compile(long_lived + r"\.\w+\.connect\(\s*lambda")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in (REPO / "ui").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
