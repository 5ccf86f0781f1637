"""The encryption-at-rest layer: the store key file, keyed names, sealed files, temp folder."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import threading
from pathlib import Path

import pyrage
import pytest

from fieldkit.atrest import keyfile, privatetemp
from fieldkit.atrest.cipher import BLOCK, PLAIN, AgeCipher
from fieldkit.errors import KeyFileError, MediaError, ValidationError, WrongPassphrase
from fieldkit.mediastore import MediaStore, OriginalMismatch

PASS = b"correct horse battery staple"


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    d = tmp_path / "keys"
    d.mkdir(mode=0o700)
    return d


@pytest.fixture
def personal() -> pyrage.x25519.Identity:
    return pyrage.x25519.Identity.generate()


def _make(keys_dir: Path, personal: pyrage.x25519.Identity) -> tuple[keyfile.StoreSecrets, str]:
    return keyfile.create_store_key(
        keys_dir, PASS, personal_recipient=str(personal.to_public()), params=keyfile.TEST_KDF
    )


def test_unlock_gives_the_same_key_and_a_wrong_passphrase_gives_nothing(keys_dir, personal):
    made, code = _make(keys_dir, personal)
    again = keyfile.unlock_store(keys_dir, PASS)
    assert again.store_key == made.store_key
    assert again.sqlcipher_key() == made.sqlcipher_key()
    assert str(again.recipient) == str(made.recipient)
    before = {p.name: p.read_bytes() for p in keys_dir.iterdir()}
    with pytest.raises(WrongPassphrase) as err:
        keyfile.unlock_store(keys_dir, b"not it")
    assert "wrong passphrase" in str(err.value)
    assert {p.name: p.read_bytes() for p in keys_dir.iterdir()} == before
    assert len(code) == 39 and code.count("-") == 7


def test_the_file_is_private_and_never_replaced(keys_dir, personal):
    _make(keys_dir, personal)
    assert (keys_dir / keyfile.STORE_KEY_FILE).stat().st_mode & 0o777 == 0o600
    with pytest.raises(KeyFileError):
        _make(keys_dir, personal)


def test_recovery_code_unlocks_and_returns_the_passphrase(keys_dir, personal):
    made, code = _make(keys_dir, personal)
    got, passphrase = keyfile.unlock_with_recovery_code(keys_dir, code.lower().replace("-", " "))
    assert got.store_key == made.store_key and passphrase == PASS
    wrong = keyfile.format_recovery_code(bytes(20))
    with pytest.raises(WrongPassphrase):
        keyfile.unlock_with_recovery_code(keys_dir, wrong)
    with pytest.raises(ValidationError):
        keyfile.unlock_with_recovery_code(keys_dir, "not a code")


def test_rewrap_keeps_the_key_and_the_recovery_code(keys_dir, personal):
    made, code = _make(keys_dir, personal)
    assert keyfile.rewrap_passphrase(keys_dir, made, b"new one", params=keyfile.TEST_KDF) is None
    with pytest.raises(WrongPassphrase):
        keyfile.unlock_store(keys_dir, PASS)
    assert keyfile.unlock_store(keys_dir, b"new one").store_key == made.store_key
    got, passphrase = keyfile.unlock_with_recovery_code(keys_dir, code)
    assert got.store_key == made.store_key and passphrase == b"new one"
    fresh = keyfile.rewrap_passphrase(
        keys_dir, made, b"third", recovery_code="new", params=keyfile.TEST_KDF
    )
    assert fresh and fresh != code
    with pytest.raises(WrongPassphrase):
        keyfile.unlock_with_recovery_code(keys_dir, code)


def test_a_slot_cannot_be_moved_into_another(keys_dir, personal):
    _make(keys_dir, personal)
    path = keys_dir / keyfile.STORE_KEY_FILE
    doc = json.loads(path.read_text())
    # The identity sealed under the store key, put where the escrow goes: the purpose
    # string in the associated data makes it fail rather than hand back the wrong secret.
    doc["escrow"] = doc["identity"]
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError):
        keyfile.unlock_store(keys_dir, PASS)


def test_hostile_kdf_parameters_are_refused_before_any_work(keys_dir, personal):
    _make(keys_dir, personal)
    path = keys_dir / keyfile.STORE_KEY_FILE
    doc = json.loads(path.read_text())
    doc["kdf"]["memory_kib"] = 1 << 40
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="memory"):
        keyfile.unlock_store(keys_dir, PASS)


def test_default_parameters_are_memory_hard():
    # RFC 9106 §4, second recommended option.
    assert keyfile.KdfParams(3, 65536, 4) == keyfile.DEFAULT_KDF
    assert keyfile.DEFAULT_KDF.memory_kib >= 64 * 1024


def test_keyed_name_is_hmac_sha256_of_the_hex_digest():
    # Known answer: RFC 4231 test case 2 (key "Jefe").
    assert (
        keyfile.keyed_name(b"Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_sealed_media_opens_with_the_stock_age_tool(tmp_path, keys_dir, personal):
    secrets, _ = _make(keys_dir, personal)
    cipher = AgeCipher(secrets)
    media = MediaStore(tmp_path / "media", cipher)
    data = os.urandom(300_000) + b"Exif\0\0MARKER"
    stored = media.put_bytes(data)
    path = media.path_of(stored.sha256)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.sha256 not in path.name and path.name.endswith(".age")
    raw = path.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n") and b"MARKER" not in raw
    # The escape hatch: the personal age key opens store_identity.age, which opens media.
    ident_text = pyrage.decrypt((keys_dir / keyfile.STORE_IDENTITY_FILE).read_bytes(), [personal])
    ident_file = tmp_path / "store-identity.txt"
    ident_file.write_bytes(ident_text)
    out = subprocess.run(
        ["age", "-d", "-i", str(ident_file), str(path)], capture_output=True, check=True
    ).stdout
    assert out == data
    assert media.read_original(stored.sha256) == data
    with media.open_original(stored.sha256) as fh:
        assert b"".join(iter(lambda: fh.read(7777), b"")) == data
    assert media.check(stored.sha256)
    assert media.size_of(stored.sha256) == len(data)


def test_a_damaged_sealed_file_is_an_error_not_wrong_bytes(tmp_path, keys_dir, personal):
    secrets, _ = _make(keys_dir, personal)
    media = MediaStore(tmp_path / "media", AgeCipher(secrets))
    stored = media.put_bytes(os.urandom(200_000))
    path = media.path_of(stored.sha256)
    raw = bytearray(path.read_bytes())
    raw[-5000] ^= 1
    path.chmod(0o600)
    path.write_bytes(bytes(raw))
    with pytest.raises(MediaError):
        media.read_original(stored.sha256)
    with pytest.raises(MediaError), media.open_original(stored.sha256) as fh:
        while fh.read(65536):
            pass
    assert not media.check(stored.sha256)


class _Collect:
    def __init__(self) -> None:
        self.blocks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.blocks.append(bytes(data))
        return len(data)


def _hash_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fieldkit-hash"]


@pytest.mark.parametrize("encrypted", [True, False], ids=["age", "plain"])
@pytest.mark.parametrize("serial", [False, True], ids=["threaded", "serial"])
def test_stream_original_pushes_the_verified_bytes_in_blocks(
    tmp_path, keys_dir, personal, encrypted, serial
):
    cipher = AgeCipher(_make(keys_dir, personal)[0]) if encrypted else PLAIN
    media = MediaStore(tmp_path / "media", cipher)
    for size in (0, 1000, BLOCK, 2 * BLOCK + 12345):
        data = os.urandom(size)
        sha = media.put_bytes(data).sha256
        target, seen = _Collect(), []
        assert media.stream_original(sha, target, on_block=seen.append, serial=serial) == size
        assert b"".join(target.blocks) == data
        assert all(0 < len(b) <= BLOCK for b in target.blocks)
        assert seen == [len(b) for b in target.blocks]
    assert not _hash_threads()


def test_a_swapped_sealed_file_is_a_mismatch_and_copy_original_leaves_nothing(
    tmp_path, keys_dir, personal
):
    """Every sealed file decrypts with the store's key, so moving one over another is not
    caught by age: the SHA-256 checked while streaming is what catches it."""
    media = MediaStore(tmp_path / "media", AgeCipher(_make(keys_dir, personal)[0]))
    one = media.put_bytes(os.urandom(3 * BLOCK)).sha256
    other = media.put_bytes(os.urandom(5000)).sha256
    target = media.path_of(one)
    target.chmod(0o600)
    target.write_bytes(media.path_of(other).read_bytes())
    with pytest.raises(OriginalMismatch) as err:
        media.stream_original(one, _Collect())
    assert err.value.sha256 == one and err.value.actual == other
    dest = tmp_path / "saved.jpg"
    with pytest.raises(OriginalMismatch):
        media.copy_original(one, dest)
    assert not dest.exists()
    assert not media.check(one) and media.check(other)
    assert not _hash_threads()


def test_stream_original_tells_a_damaged_file_from_a_failing_target(tmp_path, keys_dir, personal):
    media = MediaStore(tmp_path / "media", AgeCipher(_make(keys_dir, personal)[0]))
    sha = media.put_bytes(os.urandom(3 * BLOCK)).sha256

    class DiskFull:
        def write(self, data: bytes) -> int:
            raise OSError(28, os.strerror(28))

    # The destination's own error (a full disk) is not "damaged": it stays an OSError.
    with pytest.raises(OSError) as err:
        media.stream_original(sha, DiskFull())
    assert err.value.errno == 28 and not isinstance(err.value, MediaError)
    path = media.path_of(sha)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 1
    path.chmod(0o600)
    path.write_bytes(bytes(raw))
    with pytest.raises(MediaError, match="does not decrypt") as damaged:
        media.stream_original(sha, _Collect())
    assert not isinstance(damaged.value, OriginalMismatch)
    assert not _hash_threads()


def test_an_abandoned_stream_reader_stops_its_thread(tmp_path, keys_dir, personal):
    secrets, _ = _make(keys_dir, personal)
    media = MediaStore(tmp_path / "media", AgeCipher(secrets))
    stored = media.put_stream(io.BytesIO(os.urandom(3 << 20)))
    fh = media.open_original(stored.sha256)
    assert len(fh.read(1000)) == 1000
    fh.close()
    assert not fh._thread.is_alive()  # type: ignore[attr-defined]


def test_wiped_secrets_refuse_to_work(keys_dir, personal):
    secrets, _ = _make(keys_dir, personal)
    secrets.wipe()
    assert secrets.locked
    with pytest.raises(KeyFileError, match="locked"):
        secrets.sqlcipher_key()


def test_private_temp_is_0700_and_wiped(tmp_path):
    temp = privatetemp.PrivateTemp(tmp_path)
    path = temp.new_file("../evil name.jpg")
    path.write_bytes(b"x")
    assert temp.path in path.parents
    assert temp.path.stat().st_mode & 0o777 == 0o700
    folder = temp.path
    temp.wipe()
    assert not folder.exists()
    # A folder left by a process that no longer exists is removed on the next start.
    stale = tmp_path / f"{privatetemp.PREFIX}999999999-x"
    stale.mkdir()
    assert privatetemp.remove_stale(tmp_path) == 1 and not stale.exists()
