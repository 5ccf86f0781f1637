"""Opening a store folder, and creating one (person, device, signing key)."""

from __future__ import annotations

import os
import platform
import sqlite3
import stat
from contextlib import suppress
from pathlib import Path

from fieldkit.errors import StoreError, StoreExists, StoreNotFound, ValidationError
from fieldkit.ids import device_id_for_key, new_id
from fieldkit.paths import DB_NAME
from fieldkit.store.merge import StoreMerge
from fieldkit.store.schema import migrate, projection_signature


class Store(StoreMerge):
    """A store: a folder with the SQLite database, the media store, a cache and the keys."""

    @classmethod
    def open(cls, home: Path | str, *, _create: bool = False) -> Store:
        """Open the store in folder ``home`` (migrating its schema, rebuilding the tables
        when the record fields changed, removing temp files a crash left).

        Raises :class:`StoreNotFound` (no folder or no database), :class:`StoreError`
        (read-only folder, an unreadable database, a schema from a newer FieldKit).
        """
        home = Path(home)
        db_path = home / DB_NAME
        if not _create:
            if not home.is_dir():
                raise StoreNotFound(
                    f"no store at {home}: the folder does not exist (run `fieldkit init`)"
                )
            if not db_path.is_file():
                raise StoreNotFound(f"no store at {home}: no {DB_NAME} (run `fieldkit init`)")
        _check_writable(home)
        try:
            conn = sqlite3.connect(
                db_path, isolation_level=None, timeout=10.0, check_same_thread=True
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{db_path}: cannot open the database: {exc}") from exc
        store = cls(home, conn)
        if not _create:
            store.media.remove_orphan_temps()
            store._ensure_projection()
        return store

    @classmethod
    def init(
        cls,
        home: Path | str,
        *,
        name: str,
        email: str,
        passphrase: bytes,
        organisation: str | None = None,
        device_name: str | None = None,
    ) -> Store:
        """Create the store, the person, the device and the signing key.

        Makes ``home`` (or uses it if empty of a store), the keys (Ed25519 signing key and
        age identity, both encrypted with ``passphrase``), the database, and the person and
        device records; signs the first checkpoint. The device is named ``device_name`` or
        the computer's name (:func:`platform.node`). Raises :class:`StoreExists`,
        :class:`ValidationError` (no name/email, empty passphrase), :class:`StoreError`;
        a failure half-way removes what it made.
        """
        from fieldkit import keys, sshsig

        home = Path(home)
        if (home / DB_NAME).exists():
            raise StoreExists(f"{home} already holds a store")
        if not name.strip() or not email.strip():
            raise ValidationError("init needs a name and an identity (--name, --email)")
        if not passphrase:
            raise ValidationError("the passphrase must not be empty")
        created_home = not home.exists()
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {home}: {exc.strerror}") from exc
        _check_writable(home)
        try:
            public = keys.create_keys(home / "keys", identity=email.strip(), passphrase=passphrase)
            for sub in ("media", "cache"):
                (home / sub).mkdir(exist_ok=True)
            store = cls.open(home, _create=True)
        except BaseException:
            _remove_partial_init(home, created_home)
            raise
        # The device id derives from the signing key (docs/trust-model.md): no one else can
        # claim it, since every event must be covered by a checkpoint its key signed.
        device_id = device_id_for_key(
            sshsig.public_key_blob(sshsig.parse_openssh_public_key(public.public_key))
        )
        person_id = new_id()
        with store.transaction():
            store._create_projection_tables()
            store._set_meta("device_id", device_id)
            store._set_meta("person_id", person_id)
            store._set_meta("fingerprint", public.fingerprint)
            store._set_meta("projection", projection_signature())
            store.device_id, store.person_id = device_id, person_id
            store.fingerprint = public.fingerprint
            store._append(
                "person",
                person_id,
                "create",
                {
                    "name": name.strip(),
                    "email": email.strip(),
                    "organisation": organisation,
                    "fingerprint": public.fingerprint,
                    "public_key": public.public_key,
                    "age_recipient": public.age_recipient,
                },
            )
            store._append(
                "device",
                device_id,
                "create",
                {
                    "person_id": person_id,
                    "fingerprint": public.fingerprint,
                    "name": device_name or platform.node() or "this computer",
                },
            )
        store.checkpoint(passphrase)
        return store


def _check_writable(home: Path) -> None:
    """Refuse a read-only store folder, even as root (who may write anyway)."""
    try:
        mode = home.stat().st_mode
    except OSError as exc:
        raise StoreNotFound(f"{home}: {exc.strerror}") from exc
    if not os.access(home, os.W_OK) or not mode & stat.S_IWUSR:
        raise StoreError(f"the store folder {home} is read-only; nothing was changed")


def _remove_partial_init(home: Path, created_home: bool) -> None:
    import shutil

    for name in ("keys", "media", "cache"):
        shutil.rmtree(home / name, ignore_errors=True)
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        (home / name).unlink(missing_ok=True)
    if created_home:
        with suppress(OSError):
            home.rmdir()
