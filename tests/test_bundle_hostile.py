"""Hostile bundles are refused before anything is read or written, and the store stays
byte-identical (every file under its home hashed before and after)."""

from __future__ import annotations

import io
import shutil
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fieldkit.bundle import export_bundle, import_bundle, verify_bundle, zippolicy
from fieldkit.store import Store
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    copy_store,
    populate,
    templates,
    tree_hashes,
    trust,
)


@pytest.fixture(scope="module")
def good_zip(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("hostile")
    anna = copy_store(templates, "anna", root / "anna")
    populate(anna, media=1)
    path = Path(
        export_bundle(
            anna, root / "good", passphrase=PASS, full=True, zip=True, plaintext=True
        ).path
    )
    bob = copy_store(templates, "bob", root / "bob")
    trust(bob, anna)
    anna.close()
    bob.close()
    return {"zip": path, "bob": bob.home}


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]], **kw: Any) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name"
        with zipfile.ZipFile(buf, "w", **kw) as zf:
            for info, data in entries:
                zf.writestr(info, data)
    return buf.getvalue()


def _symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def _bag(top: str = "b") -> list[tuple[zipfile.ZipInfo | str, bytes]]:
    return [(f"{top}/bagit.txt", b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")]


def _patch_name(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    return data.replace(old, new)


def _bomb() -> bytes:
    info = zipfile.ZipInfo("b/data/zeros")
    info.compress_type = zipfile.ZIP_DEFLATED
    return _zip([*_bag(), (info, b"\0" * (64 << 20))])


def _many_entries() -> bytes:
    data = bytearray(_zip(_bag()))
    # Claim 300,000 entries in the end record: refused before the directory is read.
    struct.pack_into("<HH", data, len(data) - 22 + 8, 0xFFFF, 0xFFFF)
    return bytes(data)


def _declared_size_exceeded(good: Path) -> bytes:
    """Our own zip, with one entry's declared size lowered in both directory and descriptor."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        (info,) = [i for i in zf.infolist() if i.filename.endswith("/bag-info.txt")]
    true_size = info.file_size
    # Find the central directory record of that entry and lower its sizes.
    name = info.filename.encode()
    pos = data.find(name)
    while pos >= 0:
        rec = pos - 46
        if data[rec : rec + 4] == b"PK\x01\x02":
            struct.pack_into("<II", data, rec + 20, true_size - 10, true_size - 10)
            break
        pos = data.find(name, pos + 1)
    nlen, xlen = struct.unpack_from("<HH", data, info.header_offset + 26)
    desc = info.header_offset + 30 + nlen + xlen + true_size
    assert data[desc : desc + 4] == b"PK\x07\x08"
    struct.pack_into("<II", data, desc + 8, true_size - 10, true_size - 10)
    return bytes(data)


HOSTILE: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "dotdot": (lambda g: _zip([*_bag(), ("b/../../evil.txt", b"x")]), "unsafe-path"),
    "absolute": (lambda g: _zip([*_bag(), ("/etc/evil.txt", b"x")]), "unsafe-path"),
    "symlink": (lambda g: _zip([*_bag(), _symlink("b/data/link", "/etc/passwd")]), "unsafe-path"),
    "duplicate": (lambda g: _zip([*_bag(), ("b/data/x", b"1"), ("b/data/x", b"2")]), "duplicate"),
    "bomb": (lambda g: _bomb(), "bounds"),
    "entry-count": (lambda g: _many_entries(), "zip"),
    "non-utf8-name": (
        lambda g: _patch_name(_zip([*_bag(), ("b/data/AAAA", b"x")]), b"AAAA", b"\xff\xfe\xfd\xfc"),
        "unsafe-path",
    ),
    "two-tops": (lambda g: _zip([*_bag("a"), *_bag("b")]), "zip"),
    "backslash": (lambda g: _zip([*_bag(), ("b\\..\\evil", b"x")]), "unsafe-path"),
    "not-a-zip": (lambda g: b"PK\x03\x04" + b"\0" * 100, "zip"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_zip_refused_before_reading(good_zip: Any, tmp_path: Path, kind: str) -> None:
    make, check = HOSTILE[kind]
    path = tmp_path / f"{kind}.zip"
    path.write_bytes(make(good_zip["zip"]))
    home = tmp_path / "bob"
    shutil.copytree(good_zip["bob"], home)
    before = tree_hashes(home)
    outside = sorted(p.name for p in tmp_path.iterdir())

    report = verify_bundle(path, trust=home / "keys")
    assert not report.ok
    assert check in {p.code for p in report.problems}, [str(p) for p in report.problems]
    assert any(p.code == "refused" for p in report.problems)
    store = Store.open(home)
    result = import_bundle(store, path)
    store.close()
    assert not result.ok and not result.merged
    assert tree_hashes(home) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == outside  # nothing extracted


def test_declared_size_exceeded_while_reading(good_zip: Any, tmp_path: Path) -> None:
    path = tmp_path / "liar.zip"
    path.write_bytes(_declared_size_exceeded(good_zip["zip"]))
    report = verify_bundle(path, trust=good_zip["bob"] / "keys")
    assert not report.ok
    # Stored: a lowered size truncates the read, and the CRC (and SHA-256) catch it.
    assert any(p.path == "bag-info.txt" and "CRC" in p.message for p in report.problems), [
        str(p) for p in report.problems
    ]


def test_deflated_entry_inflating_past_its_declared_size(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("b/data/x")
    info.compress_type = zipfile.ZIP_DEFLATED
    data = bytearray(_zip([*_bag(), (info, b"a" * 100_000)]))
    # Lower the uncompressed size in the local header and the directory alike.
    for sig, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            if data[pos + (30 if sig == b"PK\x03\x04" else 46) :].startswith(b"b/data/x"):
                struct.pack_into("<I", data, pos + field, 1000)
            pos += 1
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    with zippolicy.ZipReader(path) as z:
        assert not z.refused, z.problems
        with pytest.raises(zippolicy.ZipReadError) as exc:
            b"".join(z.read_blocks("data/x"))
    assert "declared size" in str(exc.value)


def _folder_bag(good: Path, dest: Path) -> Path:
    with zipfile.ZipFile(good) as zf:
        zf.extractall(dest)
    return next(dest.iterdir())


def test_huge_manifest_refused_by_line_count(good_zip: Any, tmp_path: Path) -> None:
    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    line = b"0" * 64 + b"  data/x\n"
    (bag / "manifest-sha256.txt").write_bytes(line * 300_000)
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    assert any(p.path == "manifest-sha256.txt" and p.code == "bounds" for p in report.problems), [
        str(p) for p in report.problems
    ][:5]


def test_million_line_manifest_refused_unread(good_zip: Any, tmp_path: Path) -> None:
    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    line = b"0" * 64 + b"  data/x\n"
    (bag / "manifest-sha256.txt").write_bytes(line * 1_000_000)
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    bounds = [p for p in report.problems if p.code == "bounds"]
    assert bounds and "not read" in bounds[0].message


def test_bag_info_over_a_megabyte_refused(good_zip: Any, tmp_path: Path) -> None:
    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    (bag / "bag-info.txt").write_bytes(b"Contact-Name: " + b"x" * 1_100_000 + b"\n")
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    assert any(p.path == "bag-info.txt" and p.code == "bounds" for p in report.problems)


def test_symlink_and_fifo_in_a_folder_bag(good_zip: Any, tmp_path: Path) -> None:
    import os

    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    (bag / "data" / "link").symlink_to("/etc/passwd")
    os.mkfifo(bag / "data" / "fifo")
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    unsafe = {p.path for p in report.problems if p.code == "unsafe-path"}
    assert unsafe == {"data/link", "data/fifo"}


def test_non_utf8_file_name_in_a_folder_bag(good_zip: Any, tmp_path: Path) -> None:
    import os

    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    with open(os.path.join(os.fsencode(bag / "data"), b"\xff\xfe.jpg"), "wb") as f:
        f.write(b"x")
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    assert any(p.code == "unsafe-path" and "UTF-8" in p.message for p in report.problems)


def test_manifest_path_escaping_the_bag(good_zip: Any, tmp_path: Path) -> None:
    bag = _folder_bag(good_zip["zip"], tmp_path / "x")
    with open(bag / "manifest-sha256.txt", "ab") as f:
        f.write(b"0" * 64 + b"  data/../../../etc/passwd\n")
    report = verify_bundle(bag, trust=good_zip["bob"] / "keys")
    assert any(p.code == "unsafe-path" for p in report.problems)
