"""``fieldkit store encrypt``: turn an unencrypted store into an encrypted one, crash-safely.

Which kind a store is, is decided by one thing: whether ``fieldkit.db`` starts with
SQLite's plain header. The conversion stages everything next to the old store and
switches with one rename of the database; a SIGKILL at any moment leaves a store that
opens (old before the switch, new after it), and running the command again finishes.

1. The passphrase must open the signing key (it becomes the store's passphrase too).
2. ``keys/store_key.json.pending`` (and the store's age identity) is made, or loaded when
   an earlier run was interrupted; a recovery code is shown (a new one on each run that
   has not switched yet: the code of an interrupted run is replaced).
3. Every original is sealed to its keyed name next to the plain file (``media/kk/…age``),
   then decrypted again and hashed: only a copy whose SHA-256 is the original's is
   renamed into place. Thumbnails are sealed the same way.
4. The database goes through ``sqlcipher_export`` into ``fieldkit.db.encrypting``, is
   compared with the plain one (every table's row count and every event's bytes), then
   renamed ``fieldkit.db.encrypted``.
5. The switch: the key files are renamed into place, then ``fieldkit.db.encrypted``
   replaces ``fieldkit.db`` (one ``rename``: the commit point).
6. Only then is plaintext removed: the plain originals and thumbnails, the staging files.
   A crash here leaves an encrypted store with some plaintext files; a re-run removes
   them (:func:`plaintext_left` counts them).

Deleting a file does not erase its blocks from an SSD or a journaling file system: the
README says so, and recommends converting before collecting sensitive material.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit.atrest import keyfile
from fieldkit.atrest.cipher import AgeCipher
from fieldkit.atrest.database import is_plain_sqlite
from fieldkit.canonical import is_sha256
from fieldkit.errors import FieldkitError, StoreError, StoreNotFound
from fieldkit.fsutil import fsync_dir
from fieldkit.paths import DB_NAME

PENDING = ".pending"
STAGING_DB = DB_NAME + ".encrypting"
READY_DB = DB_NAME + ".encrypted"
BLOCK = 1 << 20

ProgressFn = Callable[[int, int, str], None]


@dataclass
class EncryptReport:
    """What ``store encrypt`` did."""

    already_encrypted: bool = False
    resumed: bool = False
    recovery_code: str | None = None
    originals_sealed: int = 0
    originals_kept: int = 0  # sealed by an earlier, interrupted run
    thumbnails_sealed: int = 0
    plaintext_removed: int = 0
    tables: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "already_encrypted": self.already_encrypted,
            "resumed": self.resumed,
            "recovery_code": self.recovery_code,
            "originals_sealed": self.originals_sealed,
            "originals_kept": self.originals_kept,
            "thumbnails_sealed": self.thumbnails_sealed,
            "plaintext_removed": self.plaintext_removed,
            "tables": self.tables,
        }


def _plain_media(media_dir: Path) -> list[Path]:
    """The plain originals: ``media/<2 hex>/<sha256>`` (no suffix)."""
    out: list[Path] = []
    if media_dir.is_dir():
        for sub in sorted(media_dir.iterdir()):
            if sub.is_dir() and len(sub.name) == 2:
                out.extend(p for p in sorted(sub.iterdir()) if is_sha256(p.name) and p.is_file())
    return out


def _plain_thumbs(cache_dir: Path) -> list[Path]:
    root = cache_dir / "thumbs"
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.glob("*/*.jpg")
        if is_sha256(p.name.split("-", 1)[0]) and not p.name.startswith(".")
    )


def _seal_file(cipher: AgeCipher, src: Path, dest: Path, sha256: str | None) -> None:
    """Seal ``src`` to a temp file next to ``dest``; check it decrypts to the same bytes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".sealing-{dest.name}")
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            cipher.seal_stream(fin, fout)
            fout.flush()
            os.fsync(fout.fileno())
        expected = sha256
        if expected is None:
            with open(src, "rb") as fin:
                expected = _sha256_of(fin)
        with open(tmp, "rb") as fin, cipher.reader(fin) as plain:
            got = _sha256_of(plain)
        if got != expected:
            raise StoreError(
                f"{src.name}: the sealed copy does not decrypt to the original "
                f"({got} != {expected}); nothing was removed"
            )
        os.chmod(tmp, 0o400)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _sha256_of(fh: Any) -> str:
    digest = hashlib.sha256()
    while block := fh.read(BLOCK):
        digest.update(block)
    return digest.hexdigest()


def _table_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f"SELECT count(*) FROM {schema}.[{n}]").fetchone()[0] for n in names}


def _events_digest(conn: Any, schema: str = "main") -> str:
    digest = hashlib.sha256()
    for h, data in conn.execute(f"SELECT hash, data FROM {schema}.events ORDER BY hash"):
        digest.update(h.encode() + b"\0" + bytes(data) + b"\0")
    return digest.hexdigest()


def _export_database(home: Path, secrets: keyfile.StoreSecrets) -> dict[str, int]:
    """``fieldkit.db`` → ``fieldkit.db.encrypted`` via sqlcipher_export, then compared."""
    import sqlcipher3

    db = home / DB_NAME
    staging, ready = home / STAGING_DB, home / READY_DB
    for stale in (staging, staging.with_name(STAGING_DB + "-journal")):
        stale.unlink(missing_ok=True)
    conn = sqlcipher3.connect(str(db), isolation_level=None, timeout=10.0)
    try:
        # Out of WAL mode: folds the log into the file and proves nobody else has the
        # store open (a second process would make this fail).
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise StoreError("the store is open in another FieldKit; close it and run again")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS sealed KEY {secrets.sqlcipher_key()}", (str(staging),))
        conn.execute("SELECT sqlcipher_export('sealed')")
        conn.execute(f"PRAGMA sealed.user_version = {int(version)}")
        plain_counts, sealed_counts = _table_counts(conn), _table_counts(conn, "sealed")
        if plain_counts != sealed_counts or _events_digest(conn) != _events_digest(conn, "sealed"):
            raise StoreError("the encrypted database differs from the plain one; nothing changed")
        conn.execute("DETACH DATABASE sealed")
    except sqlite3.DatabaseError as exc:  # pragma: no cover - sqlcipher3 raises its own
        raise StoreError(f"{db}: {exc}") from exc
    except sqlcipher3.DatabaseError as exc:
        raise StoreError(f"{db}: cannot export the database: {exc}") from exc
    finally:
        conn.close()
    with open(staging, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(staging, ready)
    fsync_dir(home)
    return plain_counts


def _pending_or_new(
    keys_dir: Path, passphrase: bytes, report: EncryptReport
) -> keyfile.StoreSecrets:
    from fieldkit.crypto import keys

    pending = keys_dir / (keyfile.STORE_KEY_FILE + PENDING)
    if pending.is_file():
        report.resumed = True
        staging = keys_dir / "staging"
        staging.mkdir(exist_ok=True)
        shutil.copy2(pending, staging / keyfile.STORE_KEY_FILE)
        secrets = keyfile.unlock_store(staging, passphrase)
        report.recovery_code = keyfile.rewrap_passphrase(
            staging, secrets, passphrase, recovery_code="new"
        )
        os.replace(staging / keyfile.STORE_KEY_FILE, pending)
        shutil.rmtree(staging, ignore_errors=True)
        return secrets
    me = keys.load_public(keys_dir)
    if not me.age_recipient:
        raise StoreError(f"{keys_dir} has no age recipient; cannot make the store identity")
    staging = keys_dir / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    secrets, code = keyfile.create_store_key(
        staging, passphrase, personal_recipient=me.age_recipient
    )
    report.recovery_code = code
    os.replace(
        staging / keyfile.STORE_IDENTITY_FILE, keys_dir / (keyfile.STORE_IDENTITY_FILE + PENDING)
    )
    os.replace(staging / keyfile.STORE_KEY_FILE, pending)
    shutil.rmtree(staging, ignore_errors=True)
    fsync_dir(keys_dir)
    return secrets


def encrypt_store(
    home: Path,
    passphrase: bytes,
    *,
    progress: ProgressFn | None = None,
    on_recovery_code: Callable[[str], None] | None = None,
) -> EncryptReport:
    """Convert the unencrypted store at ``home`` (see the module's docstring).

    ``on_recovery_code`` is called with the recovery code as soon as it exists (before
    the long work), so a person sees it even if the run is interrupted later. Raises
    :class:`~fieldkit.errors.WrongPassphrase` (nothing written) or :class:`StoreError`.
    """
    from fieldkit.crypto import keys

    home = Path(home)
    db = home / DB_NAME
    keys_dir = home / "keys"
    report = EncryptReport()
    if not db.is_file():
        raise StoreNotFound(f"no store at {home}: no {DB_NAME}")
    keys.unlock_signing_key(keys_dir, passphrase)  # the passphrase is the user's
    if not is_plain_sqlite(db):
        if not keyfile.is_encrypted_store(keys_dir):
            raise StoreError(f"{db} is not a plain SQLite database, and there is no store key")
        secrets = keyfile.unlock_store(keys_dir, passphrase)
        report.already_encrypted = True
        _remove_plaintext(home, report)
        secrets.wipe()
        return report
    secrets = _pending_or_new(keys_dir, passphrase, report)
    if on_recovery_code is not None and report.recovery_code:
        on_recovery_code(report.recovery_code)
    cipher = AgeCipher(secrets)
    originals = _plain_media(home / "media")
    thumbs = _plain_thumbs(home / "cache")
    total = len(originals) + len(thumbs) + 1
    done = 0
    for path in originals:
        name = cipher.name(path.name)
        dest = home / "media" / name[:2] / name
        if dest.exists():
            report.originals_kept += 1
        else:
            _seal_file(cipher, path, dest, path.name)
            report.originals_sealed += 1
        done += 1
        if progress is not None:
            progress(done, total, path.name)
    for path in thumbs:
        sha, _, rest = path.name.partition("-")
        stem = cipher.name(sha).removesuffix(cipher.suffix)
        dest = home / "cache" / "thumbs" / stem[:2] / f"{stem}-{rest}{cipher.suffix}"
        if not dest.exists():
            _seal_file(cipher, path, dest, None)
            report.thumbnails_sealed += 1
        done += 1
        if progress is not None:
            progress(done, total, path.name)
    for sub in ("media", "cache"):
        for folder in (home / sub).rglob("*"):
            if folder.is_dir():
                fsync_dir(folder)
    report.tables = _export_database(home, secrets)
    # The switch. Key files first (harmless while fieldkit.db is still plain), then the
    # database: the rename of fieldkit.db is the commit point.
    for name in (keyfile.STORE_IDENTITY_FILE, keyfile.STORE_KEY_FILE):
        os.replace(keys_dir / (name + PENDING), keys_dir / name)
    fsync_dir(keys_dir)
    for side in ("-wal", "-shm", "-journal"):
        (home / (DB_NAME + side)).unlink(missing_ok=True)
    os.replace(home / READY_DB, db)
    fsync_dir(home)
    if progress is not None:
        progress(total, total, "switched")
    _remove_plaintext(home, report)
    secrets.wipe()
    return report


def _remove_plaintext(home: Path, report: EncryptReport) -> None:
    """After the switch: the plain originals, thumbnails and staging files go."""
    for path in [*_plain_media(home / "media"), *_plain_thumbs(home / "cache")]:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(0o600)
            path.unlink()
            report.plaintext_removed += 1
    for leftover in (home / STAGING_DB, home / READY_DB):
        leftover.unlink(missing_ok=True)
    tmp = home / "media" / "tmp"
    if tmp.is_dir():
        for entry in tmp.iterdir():
            with contextlib.suppress(OSError):
                entry.unlink()
    for sealing in (home / "media").rglob(".sealing-*"):
        sealing.unlink(missing_ok=True)
    for sealing in (home / "cache").rglob(".sealing-*"):
        sealing.unlink(missing_ok=True)
    shutil.rmtree(home / "keys" / "staging", ignore_errors=True)


def plaintext_left(home: Path) -> int:
    """How many plain originals/thumbnails an encrypted store still holds (0 is right)."""
    return len(_plain_media(home / "media")) + len(_plain_thumbs(home / "cache"))


__all__ = ["EncryptReport", "FieldkitError", "encrypt_store", "plaintext_left"]
