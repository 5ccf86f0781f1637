"""The core never imports Qt: checked at run time and by the import-linter contract."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import fieldkit

REPO = Path(__file__).resolve().parents[1]


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(fieldkit.__path__, "fieldkit."):
        if info.name == "fieldkit.gui" or info.name.startswith("fieldkit.gui."):
            continue
        if info.name == "fieldkit.__main__":
            continue
        names.append(info.name)
    return sorted(names)


BLOCKER = r"""
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
            raise ImportError(f"Qt is blocked in this test: {name}")
        return None
sys.meta_path.insert(0, NoQt())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
from fieldkit.cli import build_parser
build_parser()
leaked = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6")]
assert not leaked, leaked
print("ok", len(sys.argv) - 1)
"""


def test_every_core_module_imports_without_qt() -> None:
    modules = core_modules()
    assert "fieldkit.store" in modules and "fieldkit.journal" in modules
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, *modules],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {len(modules)}"


def test_the_blocker_really_blocks() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, "PySide6.QtCore"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode != 0 and "Qt is blocked" in result.stderr


def test_import_linter_contract_covers_the_core() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    listed = set(contract["source_modules"])
    top_level = {".".join(m.split(".")[:2]) for m in core_modules()}
    assert top_level <= listed, f"add to the contract: {sorted(top_level - listed)}"
