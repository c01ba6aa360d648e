"""The templates, icons, stylesheet, migrations and bank holidays travel inside the
packages and are found there, not by walking up to a source checkout.

Installing into a fresh virtual environment takes too long for the suite (.ci/run does
that); copying the two packages to a folder with nothing around them proves the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROBE = """
import json, sys
from outbound.campaigns import load_templates, templates_folder
from outbound.db.migrate import MIGRATIONS, head_revision
from outbound.holidays import covered_years
from ui.theme import RESOURCES
print(json.dumps({
    "templates": sorted(load_templates()), "templates_folder": str(templates_folder()),
    "migrations": str(MIGRATIONS), "head": head_revision(),
    "resources": str(RESOURCES), "icons": len(list((RESOURCES / "icons").glob("*.svg"))),
    "qss": (RESOURCES / "style.qss").is_file(), "holidays": covered_years()[0] > 2000,
}))
"""


def test_package_data_is_found_inside_the_packages_alone(tmp_path):
    packages = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("outbound", "ui"):
        shutil.copytree(REPO / name, packages / name, ignore=ignore)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(packages), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("OUTBOUND_TEMPLATES", None)
    result = subprocess.run([sys.executable, "-I", "-c",
                             f"import sys; sys.path.insert(0, {str(packages)!r}); {PROBE}"],
                            cwd=elsewhere, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert "care_capacity_tracker" in found["templates"] and len(found["templates"]) == 7
    for key in ("templates_folder", "migrations", "resources"):
        assert Path(found[key]).is_relative_to(packages), key
    assert found["head"] is not None
    assert found["icons"] > 10 and found["qss"] and found["holidays"]


def test_every_data_file_is_declared_as_package_data():
    """A file the code reads but pyproject.toml leaves out would be missing only once
    installed: check each one against the patterns setuptools is given."""
    import tomllib
    from fnmatch import fnmatch

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]
    folders = {"outbound": ["campaigns/templates", "db/migrations", "data"],
               "ui": ["resources"]}
    missing = [
        f"{package}/{path.relative_to(REPO / package)}"
        for package, subfolders in folders.items()
        for sub in subfolders
        for path in (REPO / package / sub).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
        and not path.name.endswith(".pyc") and path.name != "__init__.py"
        and not any(fnmatch(str(path.relative_to(REPO / package)), pattern)
                    for pattern in declared[package])
    ]
    assert missing == []
