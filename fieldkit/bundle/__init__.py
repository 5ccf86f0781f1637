"""Signed evidence bundles: export, verify, import (format: docs/bundle-format.md)."""

from __future__ import annotations

from fieldkit.bundle.export import ExportReport, export_bundle
from fieldkit.bundle.importer import ImportReport, import_bundle
from fieldkit.bundle.verify import VerifyReport, verify_bundle, verify_on_store
from fieldkit.problems import Problem

__all__ = [
    "ExportReport",
    "ImportReport",
    "Problem",
    "VerifyReport",
    "export_bundle",
    "import_bundle",
    "verify_bundle",
    "verify_on_store",
]
