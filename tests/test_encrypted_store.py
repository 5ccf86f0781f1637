"""Issue 11's acceptance: an encrypted store leaves nothing readable on disk; a wrong
passphrase reads and changes nothing; `keys passwd` and `keys recover` rewrap the store
key without touching the media."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyrage
import pytest

from fieldkit import atrest
from fieldkit.atrest import keyring
from fieldkit.cli import main
from fieldkit.errors import StoreLocked, WrongPassphrase
from fieldkit.store import Store
from tests.conftest import CORPUS, PASSPHRASE

MARKERS = [b"MARKER-SITE-7f3a", b"MARKER-QUOTE-91bc", b"MARKER-W-44d2"]


def _photo() -> Path:
    for path in sorted(CORPUS.rglob("*.jpg")) + sorted(CORPUS.rglob("*.JPG")):
        if path.stat().st_size > 20_000 and b"Exif\0\0" in path.read_bytes()[:65536]:
            return path
    pytest.skip("no JPEG with EXIF in the corpus")


def _every_file(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in _every_file(root)
    }


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the store's work uses (scanned too)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return folder


def test_nothing_readable_on_disk(tmp_path, private_tmp, make_store):
    from fieldkit.bundle import export_bundle
    from fieldkit.ingest import import_media
    from fieldkit.thumbnails import rebuild_thumbnails

    home = tmp_path / "store"
    store = Store.init(home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE)
    assert store.encrypted and store.recovery_code
    colleague = make_store("B")
    from fieldkit.crypto import trustlist

    trustlist.trust(
        store.keys_dir, trustlist.export_public(colleague.keys_dir), identity="bek@example.org"
    )
    case = store.create("case", {"title": "Strikes"})
    site = store.create(
        "site", {"case_id": case["id"], "name": MARKERS[0].decode(), "lat": 39.8, "lon": 46.7}
    )
    store.create(
        "statement",
        {
            "case_id": case["id"],
            "site_id": site["id"],
            "witness_code": MARKERS[2].decode(),
            "consent": "anonymous",
            "sensitivity": "confidential",
            "quotes": [MARKERS[1].decode()],
        },
    )
    photo = _photo()
    report = import_media(store, [photo], site_id=site["id"], serial=True)
    assert len(report.imported) == 1
    rebuild_thumbnails(store, force=True)
    out = tmp_path / "outside" / "bundle"
    out.parent.mkdir()
    export_bundle(store, out, passphrase=PASSPHRASE, full=True, recipients=["bek@example.org"])
    store.close()
    keyring.forget(home)  # lock

    head = photo.read_bytes()[:4096]
    forbidden = [*MARKERS, head, b"Exif\0\0", b"SQLite format 3\0"]
    files = _every_file(home, private_tmp)
    assert len(files) >= 8  # db, media, thumbnail, keys…
    assert any(p.suffix == ".age" and p.parent.parent.name == "media" for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in forbidden:
            assert needle not in data, f"{needle[:20]!r} readable in {path.relative_to(tmp_path)}"
        assert not data.startswith(b"\xff\xd8\xff"), f"a JPEG at the start of {path}"
    # The photo's plain SHA-256 names nothing on disk either.
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert not any(sha in str(p) for p in files)
    # …and unlocked again, it is all there, byte for byte.
    with Store.open(home, passphrase=PASSPHRASE) as again:
        (media,) = again.find("media")
        assert again.media.read_original(media["sha256"]) == photo.read_bytes()
        assert again.get(site["id"])["name"] == MARKERS[0].decode()


def test_an_encrypted_store_does_not_open_without_its_passphrase(tmp_path):
    home = tmp_path / "store"
    Store.init(home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE).close()
    keyring.forget(home)
    with pytest.raises(StoreLocked):
        Store.open(home)
    with pytest.raises(WrongPassphrase):
        Store.open(home, passphrase=b"wrong")
    Store.open(home, passphrase=PASSPHRASE).close()


def _cli(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    run_env = {**os.environ, "FIELDKIT_HOME": str(home), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "fieldkit", *args], capture_output=True, text=True, env=run_env
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_wrong_passphrase_reads_and_changes_nothing(tmp_path, capsys, monkeypatch):
    home = tmp_path / "store"
    with Store.init(home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE) as store:
        case = store.create("case", {"title": "Strikes"})
    keyring.forget(home)
    photo = _photo()
    before = _snapshot(home)
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", "not the passphrase")
    monkeypatch.setenv("FIELDKIT_NEW_PASSPHRASE", "another one")
    commands = [
        ["case", "list", "--json"],
        ["site", "add", "--case", case["id"], "--name", "X"],
        ["media", "import", str(photo)],
        ["media", "thumbnails"],
        ["export", "--out", str(tmp_path / "b"), "--plaintext"],
        ["log"],
        ["chain"],
        ["rebuild"],
        ["checkpoint"],
        ["keys", "passwd"],
        ["store", "encrypt"],
        ["conflicts", "--json"],
    ]
    for argv in commands:
        code = main(argv)
        captured = capsys.readouterr()
        assert code != 0, argv
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "wrong passphrase" in lines[0], (argv, captured.err)
        assert captured.out == "", argv
    assert _snapshot(home) == before
    assert not (tmp_path / "b").exists()
    # The same through a real process: one line on standard error, nothing written.
    code, out, err = _cli(home, "site", "list", env={"FIELDKIT_PASSPHRASE": "nope"})
    assert code != 0 and out == "" and len(err.strip().splitlines()) == 1
    assert _snapshot(home) == before


def test_passwd_rewraps_without_reencrypting_media(tmp_path, monkeypatch, capsys):
    home = tmp_path / "store"
    with Store.init(home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE) as store:
        stored = store.media.put_bytes(b"photo bytes " * 1000)
    code = store.recovery_code
    keyring.forget(home)
    media_before = _snapshot(home / "media")
    db_before = (home / "fieldkit.db").read_bytes()
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASSPHRASE.decode())
    monkeypatch.setenv("FIELDKIT_NEW_PASSPHRASE", "a new passphrase")
    assert main(["keys", "passwd"]) == 0
    assert "nothing was re-encrypted" in capsys.readouterr().out
    assert _snapshot(home / "media") == media_before
    assert (home / "fieldkit.db").read_bytes() == db_before
    with pytest.raises(WrongPassphrase):
        Store.open(home, passphrase=PASSPHRASE)
    with Store.open(home, passphrase=b"a new passphrase") as store:
        assert store.media.read_original(stored.sha256) == b"photo bytes " * 1000
    keyring.forget(home)
    # Forgotten passphrase: the recovery code sets a new one for every key.
    monkeypatch.delenv("FIELDKIT_PASSPHRASE")
    monkeypatch.setenv("FIELDKIT_RECOVERY_CODE", code or "")
    monkeypatch.setenv("FIELDKIT_NEW_PASSPHRASE", "third passphrase")
    assert main(["keys", "recover"]) == 0
    new_code = capsys.readouterr().out.split("shown once): ")[1].strip()
    assert new_code != code
    with Store.open(home, passphrase=b"third passphrase") as store:
        assert store.media.check(stored.sha256)
    from fieldkit.crypto import keys

    keys.unlock_signing_key(home / "keys", b"third passphrase")
    keyring.forget(home)
    assert main(["keys", "recover"]) != 0  # the used code no longer works
    assert "wrong recovery code" in capsys.readouterr().err


def test_init_unencrypted_warns_and_keeps_the_old_layout(tmp_path, monkeypatch, capsys):
    home = tmp_path / "plain"
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASSPHRASE.decode())
    assert (
        main(["--home", str(home), "init", "--name", "A", "--email", "a@x.org", "--unencrypted"])
        == 0
    )
    captured = capsys.readouterr()
    assert "NOT encrypted" in captured.err
    assert (home / "fieldkit.db").read_bytes()[:16] == b"SQLite format 3\0"
    assert not atrest.is_encrypted_home(home)
    with Store.open(home) as store:
        sha = store.media.put_bytes(b"plain photo").sha256
        assert store.media.path_of(sha).name == sha
    home2 = tmp_path / "enc"
    assert main(["--home", str(home2), "init", "--name", "A", "--email", "a@x.org"]) == 0
    out = capsys.readouterr().out
    assert "RECOVERY CODE" in out and "only way back" in out
    assert atrest.is_encrypted_home(home2)


def test_the_escape_hatch_with_the_stock_age_tool(tmp_path):
    """README: the personal age key opens store_identity.age, which opens any original."""
    home = tmp_path / "store"
    data = _photo().read_bytes()
    with Store.init(home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE) as store:
        sealed = store.media.path_of(store.media.put_bytes(data).sha256)
    # Step 1 needs the passphrase typed at a terminal for `age -d -i age_identity.age`;
    # pyrage decrypts the same passphrase-protected file here.
    personal = pyrage.passphrase.decrypt(
        (home / "keys" / "age_identity.age").read_bytes(), PASSPHRASE.decode()
    )
    personal_file = tmp_path / "me.txt"
    personal_file.write_bytes(personal)
    store_id = tmp_path / "store-identity.txt"
    subprocess.run(
        [
            "age",
            "-d",
            "-i",
            str(personal_file),
            "-o",
            str(store_id),
            str(home / "keys" / "store_identity.age"),
        ],
        check=True,
    )
    out = subprocess.run(
        ["age", "-d", "-i", str(store_id), str(sealed)], capture_output=True, check=True
    ).stdout
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("unseal", ["in-process", "helper"])
@pytest.mark.parametrize("damage", ["swapped", "flipped"])
def test_an_original_that_fails_its_check_stops_the_export(
    tmp_path, store, damage, unseal, monkeypatch
):
    """An original is copied into a bundle only as the bytes its SHA-256 names: a sealed
    file moved over another (it still decrypts) or damaged fails the export with a
    specific error, and nothing is left: no bundle, no partial folder. The same whether
    this process decrypts or the helper process of a large export does."""
    from fieldkit import mediastore
    from fieldkit.bundle import export_bundle
    from fieldkit.errors import BundleError

    if unseal == "helper":
        monkeypatch.setattr(mediastore, "UNSEAL_HELPER_MIN_BYTES", 0)

    shas = []
    for size in (3 << 20, 70_000):
        stored = store.media.put_bytes(os.urandom(size))
        store.create("media", {"sha256": stored.sha256, "size": stored.size, "mime": "video/mp4"})
        shas.append(stored.sha256)
    bad = min(shas)  # exported first
    path = store.media.path_of(bad)
    path.chmod(0o600)
    if damage == "swapped":
        path.write_bytes(store.media.path_of(max(shas)).read_bytes())
    else:
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 1
        path.write_bytes(bytes(raw))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(BundleError) as err:
        export_bundle(store, out_dir / "bundle", passphrase=PASSPHRASE, full=True)
    message = str(err.value)
    assert bad in message and "nothing was exported" in message
    if damage == "swapped":
        assert f"hash to {max(shas)}" in message
    assert list(out_dir.iterdir()) == []
    assert store.conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0
