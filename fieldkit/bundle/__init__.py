"""Signed evidence bundles: export, verify, import (format: docs/bundle-format.md)."""

from __future__ import annotations

from fieldkit.bundle.export import ExportReport, export_bundle
from fieldkit.bundle.importer import BundleImportReport, import_bundle
from fieldkit.bundle.verify import VerifyReport, verify_bundle, verify_on_store
from fieldkit.problems import Problem

__all__ = [
    "BundleImportReport",
    "ExportReport",
    "Problem",
    "VerifyReport",
    "export_bundle",
    "import_bundle",
    "verify_bundle",
    "verify_on_store",
]
