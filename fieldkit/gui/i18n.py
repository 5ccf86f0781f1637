"""The app's one ``tr()`` and its translations.

Every string the app shows goes through :func:`tr` with a literal argument, so
``pyside6-lupdate`` finds it (``make translations`` refreshes
``resources/translations/fieldkit_*.ts``; a test fails when a shown string is missing
from them). lupdate files free ``tr()`` calls under the empty context, so that is the
context used here: one context for the whole app. The compiled ``.qm`` files are made by
the build (``make deps`` runs ``pyside6-lrelease``) into ``fieldkit/gui/translations``.
Core error messages stay English for now.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = ""  # where lupdate puts free tr() calls
QM_DIR = Path(__file__).with_name("translations")


def tr(text: str) -> str:
    """``text`` in the user's language (as it is when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def install_translator(app: QCoreApplication, locale: QLocale | None = None) -> QTranslator | None:
    """Load ``fieldkit_<lang>.qm`` for ``locale`` (default: the system's); None if none."""
    translator = QTranslator(app)
    if translator.load(locale or QLocale(), "fieldkit", "_", str(QM_DIR), ".qm"):
        app.installTranslator(translator)
        return translator
    return None
