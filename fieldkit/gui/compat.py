"""Optional core modules that land separately; the app works (with less) before they do."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional(name: str) -> ModuleType | None:
    """The module, or None when it is not there yet (or fails to import)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def ingest() -> ModuleType | None:
    module = optional("fieldkit.ingest")
    return module if module is not None and hasattr(module, "import_media") else None


def thumbnails() -> ModuleType | None:
    return optional("fieldkit.thumbnails")


def bundle() -> ModuleType | None:
    module = optional("fieldkit.bundle")
    if module is None or not all(
        hasattr(module, n) for n in ("export_bundle", "verify_bundle", "import_bundle")
    ):
        return None
    return module


def metadata() -> ModuleType | None:
    return optional("fieldkit.metadata")
