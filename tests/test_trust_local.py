"""Issue 9, the parts that live outside the journal: keys, media import, thumbnails, bounds.

Cases 6, 7 (age recipient, key folder permissions), 10–14 (non-UTF-8 names, full disk,
a second process, huge integers, huge images) and the clock and JSON bounds. Each test
fails on the code before the issue and passes after.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pyrage
import pytest

from fieldkit import clock
from fieldkit.canonical import JSONTooDeep, json_depth, loads_bounded
from fieldkit.crypto import keyfolder, keys, sshsig, trustlist
from fieldkit.errors import DiskFull, KeyFileError, ValidationError
from fieldkit.fsutil import temp_is_abandoned
from fieldkit.ingest import import_media
from fieldkit.mediastore import TEMP_PREFIX, MediaStore
from fieldkit.store import Store
from fieldkit.thumbnails import thumbnail_problem
from tests.conftest import PASSPHRASE
from tests.test_cli import fk
from tests.test_ingest import assert_consistent, jpeg_bytes

REPO = Path(__file__).resolve().parents[1]


# --- 6. the age recipient is bound to the signing key --------------------------------------


def test_swapped_age_recipient_is_refused(make_store) -> None:  # type: ignore[no-untyped-def]
    coordinator, colleague = make_store("C"), make_store("B")
    exported = trustlist.export_public(colleague.keys_dir)
    assert "# age-recipient-signature: " in exported
    attacker = str(pyrage.x25519.Identity.generate().to_public())
    real = keys.load_public(colleague.keys_dir).age_recipient
    assert real is not None
    swapped = exported.replace(f"# age-recipient: {real}", f"# age-recipient: {attacker}")
    assert swapped != exported
    # The fingerprint read over the phone still matches: only the recipient changed.
    assert (
        trustlist.parse_exported(swapped.replace(attacker, real)).fingerprint
        == colleague.fingerprint
    )
    with pytest.raises(KeyFileError, match=r"not the one the key .* signed"):
        trustlist.trust(coordinator.keys_dir, swapped)
    unsigned = re.sub(r"# age-recipient-signature: .*\n", "", swapped)
    with pytest.raises(KeyFileError, match="not signed by the key"):
        trustlist.trust(coordinator.keys_dir, unsigned)
    assert colleague.fingerprint not in {
        s.fingerprint for s in trustlist.list_trusted(coordinator.keys_dir)
    }
    signer = trustlist.trust(coordinator.keys_dir, exported)
    assert signer.age_recipient == real


def test_keys_trust_shows_the_recipient_is_signed(make_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    coordinator, colleague = make_store("C"), make_store("B")
    (tmp_path / "b.pub").write_text(trustlist.export_public(colleague.keys_dir))
    out = fk(coordinator.home, "keys", "trust", str(tmp_path / "b.pub")).stdout
    assert "(signed by this key)" in out


def test_old_store_signs_its_recipient_once_on_export(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store("A")
    (store.keys_dir / keyfolder.AGE_RECIPIENT_SIG).unlink()
    with pytest.raises(KeyFileError, match="not signed yet"):
        trustlist.export_public(store.keys_dir)
    out = fk(store.home, "keys", "export").stdout  # FIELDKIT_PASSPHRASE is set by fk
    assert "# age-recipient-signature: " in out
    assert (
        trustlist.parse_exported(out).age_recipient
        == keys.load_public(store.keys_dir).age_recipient
    )


# --- 7. key folder permissions -------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize(
    ("name", "mode", "fix"),
    [
        (None, 0o777, "chmod 700"),
        (keyfolder.ALLOWED_SIGNERS, 0o666, "chmod 644"),
        (keyfolder.ALLOWED_SIGNERS, 0o664, "chmod 644"),
        (keyfolder.SIGNING_KEY, 0o644, "chmod 600"),
        (keyfolder.AGE_IDENTITY, 0o640, "chmod 600"),
    ],
)
def test_key_folder_open_to_others_is_refused(
    make_store, name: str | None, mode: int, fix: str
) -> None:  # type: ignore[no-untyped-def]
    store = make_store("A")
    target = store.keys_dir / name if name else store.keys_dir
    os.chmod(target, mode)
    with pytest.raises(KeyFileError, match=re.escape(f"{fix} '{target}'")):
        keyfolder.check_permissions(store.keys_dir)
    result = fk(store.home, "keys", "list", check=False)
    assert result.returncode != 0
    assert fix in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_line_appended_to_world_writable_allowed_signers_is_not_trusted(
    make_store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    coordinator, intruder = make_store("C"), make_store("D")
    allowed = coordinator.keys_dir / keyfolder.ALLOWED_SIGNERS
    os.chmod(coordinator.keys_dir, 0o777)
    os.chmod(allowed, 0o666)
    # Another local user appends their key.
    line = trustlist.export_public(intruder.keys_dir).splitlines()[-1]
    with allowed.open("a") as fh:
        fh.write(line + "\n")
    pub = sshsig.parse_openssh_public_key(keys.load_public(intruder.keys_dir).public_key)
    with pytest.raises(KeyFileError, match="other users"):
        trustlist.trusted_identity(coordinator.keys_dir, pub)
    from fieldkit.bundle import export_bundle, import_bundle

    bundle = export_bundle(intruder, tmp_path / "b", passphrase=PASSPHRASE, full=True)
    report = import_bundle(coordinator, Path(bundle.path))
    assert not report.ok and not report.merged
    assert any("chmod" in p.message for p in report.problems), report.to_json()["problems"]
    assert coordinator.event_count() == len(list(coordinator.iter_events()))


# --- 10. file names that are not UTF-8 -----------------------------------------------------


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="names are bytes on Linux")
def test_non_utf8_name_is_imported_reversibly(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    raw = b"caf\xe9.jpg"  # Latin-1 é, as old cameras and FAT sticks write it
    with open(os.path.join(os.fsencode(folder), raw), "wb") as fh:
        fh.write(jpeg_bytes(tag="latin-1"))
    (folder / "plain.jpg").write_bytes(jpeg_bytes(tag="plain"))
    for attempt in range(2):  # the retry must not crash either
        report = import_media(store, [folder], serial=True)
        assert not report.rejected
        assert len(report.imported) + len(report.duplicates) == 2, attempt
    rows = {r["file_name"]: r for r in store.find("media")}
    assert set(rows) == {"caf\\xe9.jpg", "plain.jpg"}
    assert bytes.fromhex(rows["caf\\xe9.jpg"]["file_name_bytes"]) == raw
    assert rows["plain.jpg"]["file_name_bytes"] is None
    assert any("not UTF-8" in w for w in rows["caf\\xe9.jpg"]["warnings"])
    out = fk(store.home, "media", "import", str(folder), "--json")
    doc = json.loads(out.stdout)
    assert doc["counts"]["duplicates"] == 2
    assert_consistent(store)


# --- 11. a full disk -----------------------------------------------------------------------


def _noise_files(folder: Path, count: int, size: int) -> None:
    folder.mkdir()
    for i in range(count):
        (folder / f"scan_{i:03d}.bin").write_bytes(os.urandom(size))


def _assert_nothing_half_made(home: Path) -> None:
    store = Store.open(home)
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = {
            store.media.path_of(r["sha256"]).name
            for r in store.find("media", include_retracted=True)
        }
        on_disk = {p.name for p in store.media.root.glob("??/*")}  # keyed names when sealed
        assert on_disk == recorded, "a stored original without its record (or the reverse)"
        assert not list(store.media.tmp.iterdir())
        assert store.verify_chain() == []
        store.create("case", {"title": "after the disk filled"})  # the store still works
    finally:
        store.close()


def test_disk_full_by_fault_injection(store: Store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _noise_files(tmp_path / "in", 12, 20_000)
    real = MediaStore.put_data  # how the import stores a file it read whole
    calls = {"n": 0}

    def filling(self, data, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data, **kw)

    monkeypatch.setattr(MediaStore, "put_data", filling)
    with pytest.raises(DiskFull, match=r"^disk full: \d+ files not imported; nothing half-made"):
        import_media(store, [tmp_path / "in"], serial=True)
    monkeypatch.undo()
    home = store.home
    store.close()
    _assert_nothing_half_made(home)


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real 3 MB file system (tmpfs), when the tests run as root (CI does)."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root; the fault-injection test covers it")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("serial", [True, False])
def test_disk_full_on_a_real_small_file_system(  # type: ignore[no-untyped-def]
    store_templates, small_disk: Path, tmp_path: Path, serial: bool
) -> None:
    home = small_disk / "store"
    shutil.copytree(store_templates["A"], home)
    folder = tmp_path / "card"
    folder.mkdir()
    for i in range(16):  # photos (thumbnails too) and incompressible scans, ~5 MB in all
        (folder / f"IMG_{i:03d}.jpg").write_bytes(jpeg_bytes(size=(320, 240), tag=f"p{i}"))
        (folder / f"scan_{i:03d}.bin").write_bytes(os.urandom(300_000))
    store = Store.open(home)
    try:
        with pytest.raises(DiskFull) as caught:
            import_media(store, [folder], serial=serial, workers=2)
    finally:
        store.close()
    message = str(caught.value)
    assert re.match(r"disk full: \d+ files not imported; nothing half-made", message), message
    _assert_nothing_half_made(home)


# --- 12. a second process never removes another's temp files -------------------------------

IMPORTER = r"""
import json, os, sys
from pathlib import Path
from fieldkit.ingest import import_media
from fieldkit.store import Store
store = Store.open(sys.argv[1], passphrase=os.environ["FIELDKIT_PASSPHRASE"].encode())
report = import_media(store, [Path(sys.argv[2])], workers=4, thumbnails=False)
print(json.dumps(report.to_json()["rejected"]))
"""


def test_second_process_does_not_remove_an_imports_temp_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "card"
    _noise_files(folder, 150, 400_000)
    home = store.home
    store.close()
    env = {**os.environ, "PYTHONPATH": str(REPO), "FIELDKIT_PASSPHRASE": PASSPHRASE.decode()}
    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(home), str(folder)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    opened = 0
    while proc.poll() is None:
        Store.open(home).close()  # e.g. `fieldkit case list` in another window
        opened += 1
        time.sleep(0.01)
    out, _ = proc.communicate()
    assert proc.returncode == 0
    assert json.loads(out.splitlines()[-1]) == []
    assert opened > 3
    with Store.open(home) as again:
        assert again.count("media") == 150


def test_temp_of_a_dead_process_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    media = MediaStore(tmp_path / "media")
    media.ensure()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        left = media.tmp / f"{TEMP_PREFIX}{dead_pid}-abc"
        running = media.tmp / f"{TEMP_PREFIX}{alive.pid}-def"
        ours = media.tmp / f"{TEMP_PREFIX}{os.getpid()}-ghi"
        for p in (left, running, ours):
            p.write_bytes(b"partial")
        assert temp_is_abandoned(left, TEMP_PREFIX)
        assert not temp_is_abandoned(running, TEMP_PREFIX)
        assert media.remove_orphan_temps() == 1
        assert not left.exists() and running.exists() and ours.exists()
    finally:
        alive.kill()
        alive.wait()


# --- 13. integers beyond 64 bits -----------------------------------------------------------


def test_huge_integer_is_a_validation_error(store: Store) -> None:
    case = store.create("case", {"title": "t"})
    site = store.create("site", {"case_id": case["id"], "name": "s"})
    with pytest.raises(ValidationError, match=r"site.killed: .* \(2\^63 - 1\)") as caught:
        store.update(site["id"], {"killed": 99999999999999999999999})
    assert caught.value.fields == ("killed",)
    result = fk(
        store.home, "site", "edit", site["id"], "--killed", "99999999999999999999999", check=False
    )
    assert result.returncode == 2
    assert "2^63 - 1" in result.stderr and "Traceback" not in result.stderr
    assert store.get(site["id"])["killed"] is None


# --- 14. a huge image is refused from its header -------------------------------------------


def _png_header_bomb(path: Path, width: int, height: int) -> None:
    """A real 1-bit PNG of width × height, all zero: tiny on disk, huge decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    row = b"\0" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


CHILD_THUMB = r"""
import sys
from pathlib import Path
from fieldkit.thumbnails import thumbnail_problem
problem = thumbnail_problem(Path(sys.argv[1]), Path(sys.argv[2]))
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(repr(problem))
print(int(hwm) // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc")
@pytest.mark.parametrize(
    ("width", "height", "why"), [(28000, 28000, "pixel limit"), (12000, 12000, "decoded at once")]
)
def test_huge_png_is_refused_before_decoding(
    tmp_path: Path, width: int, height: int, why: str
) -> None:
    src = tmp_path / "bomb.png"
    _png_header_bomb(src, width, height)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", CHILD_THUMB, str(src), str(tmp_path / "t.jpg")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.splitlines()
    assert why in out[0] and f"{width} × {height}" in out[0]
    assert int(out[1]) < 300, f"peak memory {out[1]} MB"
    assert not (tmp_path / "t.jpg").exists()


def test_big_jpeg_still_gets_a_thumbnail_by_draft(tmp_path: Path) -> None:
    from PIL import Image

    src = tmp_path / "pano.jpg"
    Image.new("RGB", (12000, 11000), (10, 90, 40)).save(src, "JPEG", quality=50)
    assert thumbnail_problem(src, tmp_path / "t.jpg") is None  # 132 MP, decoded at 1/8


# --- clocks and JSON depth -----------------------------------------------------------------


def test_hlc_counter_never_overflows_and_every_hlc_has_a_time() -> None:
    top = clock.HLC(1_000, clock.MAX_COUNTER)
    after = clock.tick(top, now_ms=5)
    assert after == clock.HLC(1_001, 0)
    assert len(after.text("d")) == len(top.text("d"))
    for ms in (0, 253_402_300_799_999, 253_402_300_800_000, clock.MAX_WALL_MS):
        assert clock.iso_of_ms(ms).endswith("Z")
    assert clock.iso_of_ms(clock.MAX_WALL_MS) == "+33658-09-27T01:46:39.999Z"
    assert clock.HLC.parse("999999999999999-999999-x") == clock.HLC(
        clock.MAX_WALL_MS, clock.MAX_COUNTER
    )


def test_imported_clock_beyond_the_bound_does_not_move_ours() -> None:
    now = 1_700_000_000_000
    ours = clock.HLC(now, 3)
    near = clock.HLC(now + clock.MAX_AHEAD_MS - 1, 0)
    far = clock.HLC(now + clock.MAX_AHEAD_MS + 1, 0)
    assert clock.observe(ours, near, now_ms=now) == near
    assert clock.observe(ours, far, now_ms=now) == ours
    assert clock.bounded(clock.HLC(10**14, 0), now_ms=now) == clock.HLC(now, 0)


def test_json_nested_100000_deep_is_refused_before_parsing() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(JSONTooDeep):
        loads_bounded(deep)
    assert json_depth(b'{"a":"[[[[[[[[","b":[1,[2]]}') == 3
    assert loads_bounded(b'{"a":[' + b"[1]," * 100 + b"[2]]}") == {"a": [[1]] * 100 + [[2]]}


# --- 11, bundles: a full disk during import and export ------------------------------------


def test_disk_full_during_bundle_import_and_export(make_store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fieldkit.bundle import export_bundle, import_bundle

    anna, carol = make_store("A"), make_store("C")
    trustlist.trust(carol.keys_dir, trustlist.export_public(anna.keys_dir))
    for i in range(4):
        blob = anna.media.put_bytes(os.urandom(50_000))
        anna.create("media", {"sha256": blob.sha256, "file_name": f"m{i}.bin"})
    bundle = export_bundle(anna, tmp_path / "b", passphrase=PASSPHRASE, full=True)
    before = carol.event_count()
    real = MediaStore.put_stream
    calls = {"n": 0}

    def filling(self, source, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, source, **kw)

    monkeypatch.setattr(MediaStore, "put_stream", filling)
    with pytest.raises(
        DiskFull, match=r"^disk full: the bundle was not imported .*nothing half-made"
    ):
        import_bundle(carol, Path(bundle.path))
    monkeypatch.undo()
    assert carol.event_count() == before
    assert not list(carol.media.root.glob("??/*"))  # the two it copied were removed
    assert import_bundle(carol, Path(bundle.path)).ok  # with space again, it completes

    from fieldkit.bundle import bagwriter

    def full_write(*args, **kw):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bagwriter.BagWriter, "write_tags", full_write)
    with pytest.raises(DiskFull, match=r"^disk full: the bundle was not written"):
        export_bundle(carol, tmp_path / "out", passphrase=PASSPHRASE, full=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("out")]
