"""One tr(), a translation source kept current by pyside6-lupdate, compiled .qm files."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

REPO = Path(__file__).resolve().parents[2]
GUI = REPO / "fieldkit" / "gui"


def _tool():
    spec = importlib.util.spec_from_file_location(
        "translations", REPO / "packaging/translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["translations"] = module
    spec.loader.exec_module(module)
    return module


def test_one_tr_and_only_through_it():
    defined, self_tr = [], []
    for path in GUI.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "tr":
                defined.append(path.name)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "tr"
            ):
                self_tr.append(f"{path.name}:{node.lineno}")
    assert defined == ["i18n.py"]
    assert self_tr == []  # a widget's own tr() would use another context


def test_the_source_has_every_shown_string(tmp_path, monkeypatch):
    tool = _tool()
    assert tool.main(["--check"]) == 0, "run `make translations`"
    # The check fails when one string shown through tr() is missing from the source.
    text = tool.SOURCE_TS.read_text(encoding="utf-8")
    cut = text.replace("<source>Create your first case</source>", "<source>(gone)</source>")
    assert cut != text
    broken = tmp_path / "fieldkit_en.ts"
    broken.write_text(cut, encoding="utf-8")
    monkeypatch.setattr(tool, "SOURCE_TS", broken)
    assert tool.missing() == {"Create your first case"}


def test_a_compiled_translation_is_used(tmp_path, monkeypatch):
    tool = _tool()
    ts = tmp_path / "fieldkit_fr.ts"
    text = tool.SOURCE_TS.read_text(encoding="utf-8")
    ts.write_text(
        text.replace(
            "<source>Create your first case</source>\n        "
            '<translation type="unfinished"></translation>',
            "<source>Create your first case</source>\n        "
            "<translation>Créez votre premier dossier</translation>",
        ),
        encoding="utf-8",
    )
    qm_dir = tmp_path / "qm"
    monkeypatch.setattr(tool, "TS_DIR", tmp_path)
    monkeypatch.setattr(tool, "QM_DIR", qm_dir)
    shutil.copy(tool.SOURCE_TS, tmp_path / "fieldkit_en.ts")
    tool.compile_qm()
    translator = QTranslator()
    assert translator.load(str(qm_dir / "fieldkit_fr.qm"))
    from fieldkit.gui.i18n import tr

    app = QCoreApplication.instance()
    app.installTranslator(translator)
    try:
        assert tr("Create your first case") == "Créez votre premier dossier"
    finally:
        app.removeTranslator(translator)
    assert tr("Create your first case") == "Create your first case"
