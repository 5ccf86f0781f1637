"""Zips from any tool verify and import; names from a bundle reach the terminal escaped.

An auditor or a colleague zips a verified bag folder with whatever is at hand: ``zip -r``,
Python's ``shutil.make_archive``, Windows' "Send to compressed folder" (deflated, MS-DOS
attributes, folder entries), macOS Archive Utility (``__MACOSX/`` and ``.DS_Store``
added). Each must verify and import; what archivers add is ignored and reported. The
hostile zips stay refused (tests/test_bundle_hostile.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fieldkit.bundle import export_bundle, import_bundle, verify_bundle
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    allowed_signers_file,
    copy_store,
    populate,
    templates,
    trust,
)

# Raw control characters a terminal would act on (tab and newline are the output's own).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def made(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("anyzip")
    anna = copy_store(templates, "anna", root / "anna")
    populate(anna, media=2)
    exported = export_bundle(anna, root / "bag", passphrase=PASS, full=True, plaintext=True)
    folder = Path(exported.path)
    signers = allowed_signers_file(anna, root / "allowed_signers")
    bob = copy_store(templates, "bob", root / "bob")
    trust(bob, anna)
    events = exported.events
    anna.close()
    bob.close()
    assert verify_bundle(folder, trust=signers).ok
    return {"folder": folder, "signers": signers, "bob": bob.home, "events": events}


def _imports(made: Any, path: Path, tmp_path: Path) -> None:
    from fieldkit.store import Store

    home = tmp_path / "bob"
    shutil.copytree(made["bob"], home)
    with Store.open(home) as bob:
        result = import_bundle(bob, path)
        assert result.ok and result.merged, [str(p) for p in result.problems]
        assert result.new_events == made["events"]
        assert result.media_new == 2


def test_zip_r_of_a_verified_bag_folder(made: Any, tmp_path: Path) -> None:
    folder = made["folder"]
    out = tmp_path / "by-zip.zip"
    r = subprocess.run(
        ["zip", "-r", "-q", str(out), folder.name], cwd=folder.parent, capture_output=True
    )
    assert r.returncode == 0, r.stderr
    report = verify_bundle(out, trust=made["signers"])
    assert report.ok, [str(p) for p in report.problems]
    assert report.files == verify_bundle(folder, trust=made["signers"]).files
    _imports(made, out, tmp_path)


@pytest.mark.parametrize("layout", ["top-folder", "root"])
def test_shutil_make_archive(made: Any, tmp_path: Path, layout: str) -> None:
    folder = made["folder"]
    if layout == "top-folder":
        base = shutil.make_archive(
            str(tmp_path / "made"), "zip", root_dir=folder.parent, base_dir=folder.name
        )
    else:  # the bag's files at the zip's root
        base = shutil.make_archive(str(tmp_path / "made"), "zip", root_dir=folder)
    report = verify_bundle(Path(base), trust=made["signers"])
    assert report.ok, [str(p) for p in report.problems]
    _imports(made, Path(base), tmp_path)


def _rezip(folder: Path, out: Path, *, windows: bool = False) -> None:
    """The bag re-zipped entry by entry, as another archiver would write it."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirs, files in os.walk(folder):
            dirs.sort()
            rel_dir = Path(dirpath).relative_to(folder.parent).as_posix()
            if windows:  # folder entries, MS-DOS attributes (archive bit), no Unix mode
                info = zipfile.ZipInfo(rel_dir + "/")
                info.create_system = 0
                info.external_attr = 0x10
                zf.writestr(info, b"")
            for name in sorted(files):
                info = zipfile.ZipInfo(f"{rel_dir}/{name}", (2026, 11, 30, 12, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                if windows:
                    info.create_system = 0
                    info.external_attr = 0x20
                zf.writestr(info, (Path(dirpath) / name).read_bytes())


def test_windows_send_to_compressed_folder(made: Any, tmp_path: Path) -> None:
    out = tmp_path / "windows.zip"
    _rezip(made["folder"], out, windows=True)
    report = verify_bundle(out, trust=made["signers"])
    assert report.ok, [str(p) for p in report.problems]
    _imports(made, out, tmp_path)


def test_macos_archiver_files_are_ignored_and_reported(made: Any, tmp_path: Path) -> None:
    out = tmp_path / "mac.zip"
    _rezip(made["folder"], out)
    top = made["folder"].name
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr(f"__MACOSX/{top}/._bagit.txt", b"\0\5\26\7 resource fork")
        zf.writestr(f"{top}/.DS_Store", b"Bud1 finder state")
        zf.writestr(f"{top}/data/Thumbs.db", b"thumbnail cache")
    report = verify_bundle(out, trust=made["signers"])
    assert report.ok, [str(p) for p in report.problems]
    (ignored,) = [w for w in report.warnings if w.code == "ignored"]
    assert "3 file(s)" in ignored.message
    for name in ("__MACOSX/", ".DS_Store", "Thumbs.db"):
        assert name in ignored.message
    _imports(made, out, tmp_path)


def test_archiver_names_do_not_hide_an_unsafe_path(made: Any, tmp_path: Path) -> None:
    out = tmp_path / "sly.zip"
    _rezip(made["folder"], out)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("__MACOSX/../../evil.txt", b"x")
    report = verify_bundle(out, trust=made["signers"])
    assert not report.ok
    assert {"unsafe-path", "refused"} <= {p.code for p in report.problems}


def _fk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldkit", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_control_characters_in_a_folder_bag_name_never_reach_the_terminal(
    made: Any, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    shutil.copytree(made["folder"], bag)
    hostile = "evil\x1b[2J\x9b31m\u202egpj.exe"
    (bag / "data" / hostile).write_bytes(b"x")
    nobody = tmp_path / "no-store"  # verify as an auditor: no store, a trust file

    plain = _fk(nobody, "verify", str(bag), "--trust", str(made["signers"]))
    assert plain.returncode != 0
    shown = plain.stdout + plain.stderr
    assert not RAW_CONTROL.search(shown), repr(shown)
    # The same rule as a zip's names: an unsafe path, named with its controls escaped.
    assert "FAIL data/evil\\x1b[2J\\x9b31m\\u202egpj.exe: control character in path" in shown

    as_json = _fk(nobody, "verify", str(bag), "--trust", str(made["signers"]), "--json")
    assert not RAW_CONTROL.search(as_json.stdout + as_json.stderr), repr(as_json.stdout)
    doc = json.loads(as_json.stdout)
    (problem,) = doc["problems"]
    assert problem == {
        "code": "unsafe-path",
        "message": "control character in path",
        "path": f"data/{hostile}",  # escaped in the text, the same value once decoded
        "device": None,
        "seq": None,
    }
