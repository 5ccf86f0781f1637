"""Copying originals out through the unsealing helper process (fieldkit.atrest.unseal):
the same bytes and the same errors as decrypting in-process, the secret never on the
helper's command line or in its environment, and no helper left behind."""

from __future__ import annotations

import errno
import hashlib
import os
import sys
from pathlib import Path

import pyrage
import pytest

from fieldkit import mediastore
from fieldkit.atrest import keyfile
from fieldkit.atrest.cipher import BLOCK, AgeCipher
from fieldkit.atrest.unseal import Unsealer
from fieldkit.errors import MediaError
from fieldkit.mediastore import MediaStore, OriginalMismatch, OriginalsOut
from tests.test_atrest import _Collect

SIZES = (0, 1000, BLOCK, 2 * BLOCK + 12345)
#: More than the pipe, the reader's queue and the block in its hands can hold at once.
BEYOND_BUFFERS = 16 * BLOCK + 1


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    secrets, _ = keyfile.create_store_key(
        keys,
        b"unseal test passphrase",
        personal_recipient=str(pyrage.x25519.Identity.generate().to_public()),
        params=keyfile.TEST_KDF,
    )
    return MediaStore(tmp_path / "media", AgeCipher(secrets))


def _out(media: MediaStore, shas: list[str], monkeypatch: pytest.MonkeyPatch) -> OriginalsOut:
    monkeypatch.setattr(mediastore, "UNSEAL_HELPER_MIN_BYTES", 0)
    out = media.originals_out(shas, total_bytes=0)
    assert out.uses_helper
    return out


def test_the_helper_gives_the_verified_bytes_in_blocks_and_stops(media, monkeypatch):
    originals = [os.urandom(size) for size in SIZES]
    shas = [media.put_bytes(data).sha256 for data in originals]
    with _out(media, shas, monkeypatch) as out:
        helper = out._helper
        assert helper is not None
        for sha, data in zip(shas, originals, strict=True):
            target, seen = _Collect(), []
            assert out.copy(sha, target, on_block=seen.append) == len(data)
            assert b"".join(target.blocks) == data
            assert all(0 < len(b) <= BLOCK for b in target.blocks)
            assert seen == [len(b) for b in target.blocks]
    assert helper.returncode is not None


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_secret_is_on_no_command_line_or_environment(media, monkeypatch):
    """The identity goes over the pipe; a passphrase the command was given stays behind."""
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", "passphrase-in-the-environment")
    monkeypatch.setenv("FIELDKIT_NEW_PASSPHRASE", "new-passphrase-in-the-environment")
    sha = media.put_bytes(os.urandom(5000)).sha256
    with _out(media, [sha], monkeypatch) as out:
        assert out._helper is not None
        proc = Path("/proc") / str(out._helper.pid)
        seen = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        assert b"AGE-SECRET-KEY" not in seen.upper()
        assert b"passphrase-in-the-environment" not in seen
        assert b"PATH=" in seen  # the rest of the environment is passed on
        out.copy(sha, _Collect())


@pytest.mark.skipif(sys.platform != "linux", reason="SIGSTOP")
def test_a_stalled_helper_can_still_be_cancelled(media, monkeypatch):
    """A helper that stops sending (stopped, stuck on a slow disk) must not hold the
    export: the copy keeps asking its progress callback, whose cancel ends the wait,
    and the helper is killed."""
    import signal
    import threading

    class Cancelled(Exception):
        pass

    shas = [media.put_bytes(os.urandom(size)).sha256 for size in (BLOCK, BEYOND_BUFFERS)]
    cancel = threading.Event()

    def step(n: int) -> None:
        if cancel.is_set():
            raise Cancelled

    with _out(media, shas, monkeypatch) as out:
        out.copy(shas[0], _Collect(), on_block=step)
        helper = out._helper
        assert helper is not None
        os.kill(helper.pid, signal.SIGSTOP)
        # Buffers may still hold a few blocks of the next original; then nothing comes.
        threading.Timer(0.5, cancel.set).start()
        with pytest.raises(Cancelled):
            out.copy(shas[1], _Collect(), on_block=step)
    assert helper.returncode is not None


def test_a_swapped_file_is_a_mismatch_and_the_next_original_still_copies(media, monkeypatch):
    """Any sealed file of the store decrypts with its key, so only the SHA-256 checked
    on this side catches one moved over another."""
    one = media.put_bytes(os.urandom(3 * BLOCK)).sha256
    other = media.put_bytes(os.urandom(5000)).sha256
    path = media.path_of(one)
    path.chmod(0o600)
    path.write_bytes(media.path_of(other).read_bytes())
    with _out(media, [one, other], monkeypatch) as out:
        with pytest.raises(OriginalMismatch) as err:
            out.copy(one, _Collect())
        assert err.value.sha256 == one and err.value.actual == other
        target = _Collect()
        out.copy(other, target)
        assert hashlib.sha256(b"".join(target.blocks)).hexdigest() == other


def test_damaged_missing_out_of_order_and_a_failing_target(media, monkeypatch):
    shas = [media.put_bytes(os.urandom(3 * BLOCK + n)).sha256 for n in range(3)]
    damaged = media.path_of(shas[0])
    raw = bytearray(damaged.read_bytes())
    raw[len(raw) // 2] ^= 1
    damaged.chmod(0o600)
    damaged.write_bytes(bytes(raw))
    with _out(media, shas, monkeypatch) as out:
        with pytest.raises(ValueError, match="not the next file"):
            out.copy(shas[1], _Collect())
        with pytest.raises(MediaError, match="does not decrypt") as err:
            out.copy(shas[0], _Collect())
        assert not isinstance(err.value, OriginalMismatch)

    media.path_of(shas[1]).unlink()
    with _out(media, shas[1:], monkeypatch) as out, pytest.raises(FileNotFoundError):
        out.copy(shas[1], _Collect())
    # A file that cannot be read is the OSError it is, as in-process, not "damaged".
    media.path_of(shas[1]).mkdir()
    with _out(media, shas[1:], monkeypatch) as out, pytest.raises(OSError) as unreadable:
        out.copy(shas[1], _Collect())
    assert unreadable.value.errno == errno.EISDIR and not isinstance(unreadable.value, MediaError)

    class DiskFull:
        def write(self, data: bytes) -> int:
            raise OSError(28, os.strerror(28))

    with _out(media, shas[2:], monkeypatch) as out:
        with pytest.raises(OSError) as full:
            out.copy(shas[2], DiskFull())
        assert full.value.errno == 28 and not isinstance(full.value, MediaError)
        with pytest.raises(MediaError, match="stopped after an earlier error"):
            out.copy(shas[2], _Collect())


def test_a_helper_that_dies_is_a_specific_error(media, monkeypatch):
    # The second original is larger than everything that can wait between the helper and
    # the copy (the 1 MiB pipe, four queued blocks, the block in the reader's hands).
    shas = [media.put_bytes(os.urandom(size)).sha256 for size in (BLOCK, BEYOND_BUFFERS)]
    with _out(media, shas, monkeypatch) as out:
        out.copy(shas[0], _Collect())
        assert out._helper is not None
        out._helper._proc.kill()
        with pytest.raises(MediaError, match="helper process stopped"):
            out.copy(shas[1], _Collect())


def test_a_small_or_unencrypted_copy_needs_no_helper(media, tmp_path):
    sha = media.put_bytes(b"small").sha256
    with media.originals_out([sha], total_bytes=5) as out:
        assert not out.uses_helper
        target = _Collect()
        assert out.copy(sha, target) == 5 and target.blocks == [b"small"]
    plain = MediaStore(tmp_path / "plain")
    sha = plain.put_bytes(b"x" * 100).sha256
    with plain.originals_out([sha], total_bytes=1 << 40) as out:
        assert not out.uses_helper


def test_a_large_export_through_the_helper_verifies(store, tmp_path, monkeypatch):
    """A whole export of an encrypted store with the helper: the bundle verifies and
    every original in it hashes to its name."""
    from fieldkit.bundle import export_bundle, verify_bundle
    from tests.conftest import PASSPHRASE

    started: list[Unsealer] = []
    real = Unsealer.__init__

    def spy(self: Unsealer, *args: object) -> None:
        real(self, *args)  # type: ignore[arg-type]
        started.append(self)

    monkeypatch.setattr(Unsealer, "__init__", spy)
    monkeypatch.setattr(mediastore, "UNSEAL_HELPER_MIN_BYTES", 0)
    for size in (2 * BLOCK + 7, 0, 70_000):
        stored = store.media.put_bytes(os.urandom(size))
        store.create("media", {"sha256": stored.sha256, "size": stored.size, "mime": "video/mp4"})
    out = tmp_path / "bundle"
    export_bundle(store, out, passphrase=PASSPHRASE, full=True)
    assert len(started) == 1 and started[0].returncode is not None
    assert verify_bundle(out, trust=store.home / "keys").ok
    files = [p for p in (out / "data" / "media").rglob("*") if p.is_file()]
    assert len(files) == 3
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name


def test_a_helper_that_cannot_start_properly_leaves_the_copy_in_process(media, monkeypatch):
    """A Python without pyrage (here: a helper script that exits at once) must not fail
    the export: the originals are decrypted in this process instead."""
    from fieldkit.atrest import unseal

    broken = media.root.parent / "broken_child.py"
    broken.write_text("raise SystemExit(3)\n")
    monkeypatch.setattr(unseal, "CHILD", broken)
    data = os.urandom(2 * BLOCK)
    sha = media.put_bytes(data).sha256
    with _out(media, [sha], monkeypatch) as out:
        target = _Collect()
        assert out.copy(sha, target) == len(data)
        assert b"".join(target.blocks) == data
        assert not out.uses_helper
