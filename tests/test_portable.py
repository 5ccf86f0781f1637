"""Ready for Windows and macOS laptops: no POSIX-only call on the main paths, and time
zones from the ``tzdata`` package where the system has no zone database.

Windows has neither ``os.uname`` nor ``/usr/share/zoneinfo``. Here both are taken away
(``os.uname`` deleted, zoneinfo's TZPATH emptied) and a store is made, a photo imported
(its capture time's offset coming from its coordinates' zone) and a bundle exported and
verified.
"""

from __future__ import annotations

import os
import platform
import sys
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldkit import timezones
from fieldkit.bundle import export_bundle, verify_bundle
from fieldkit.ingest import import_media
from fieldkit.store import Store
from tests.conftest import PASSPHRASE
from tests.test_ingest import jpeg_bytes


@pytest.fixture
def no_system_zones(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """zoneinfo with no system path (as on Windows); caches cleared before and after."""
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    timezones.load_zone.cache_clear()
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
        timezones.load_zone.cache_clear()


def test_the_empty_tzpath_really_hides_the_system_zones(
    no_system_zones: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the tzdata package as well, no zone can be found: the fixture bites.
    monkeypatch.setitem(sys.modules, "tzdata", None)
    assert timezones.load_zone("Asia/Baku") is None


def test_init_import_export_without_uname_or_system_zoneinfo(
    no_system_zones: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delattr(os, "uname", raising=False)
    assert not hasattr(os, "uname")

    store = Store.init(
        tmp_path / "home", name="Ana Investigator", email="ana@example.org", passphrase=PASSPHRASE
    )
    try:
        (device,) = store.find("device")
        assert device["name"] == (platform.node() or "this computer")

        photo = tmp_path / "IMG_0001.jpg"
        # Stepanakert, no offset in the EXIF: the offset comes from the coordinates' zone.
        photo.write_bytes(jpeg_bytes(lat=39.815, lon=46.752, when="2020:10:09 14:02:00"))
        report = import_media(store, [photo], serial=True)
        assert not report.rejected, report.rejected
        (record,) = store.find("media")
        assert record["time_source"] == "coordinates-tz"
        assert record["utc_offset"] == "+04:00"
        assert record["captured_utc"] == "2020-10-09T10:02:00Z"

        exported = export_bundle(
            store, tmp_path / "bundle", passphrase=PASSPHRASE, full=True, zip=True
        )
        assert verify_bundle(Path(exported.path), keys_dir=store.keys_dir).ok
    finally:
        store.close()
