"""Opening a store folder, and creating one (person, device, signing key)."""

from __future__ import annotations

import os
import platform
import stat
from contextlib import suppress
from pathlib import Path

from fieldkit import atrest
from fieldkit.atrest import keyring
from fieldkit.atrest.database import DATABASE_ERRORS, connect
from fieldkit.atrest.keyfile import StoreSecrets
from fieldkit.errors import StoreError, StoreExists, StoreLocked, StoreNotFound, ValidationError
from fieldkit.ids import device_id_for_key, new_id
from fieldkit.paths import DB_NAME
from fieldkit.store.merge import StoreMerge
from fieldkit.store.schema import migrate, projection_signature


class Store(StoreMerge):
    """A store: a folder with the SQLite database, the media store, a cache and the keys."""

    #: Shown once after :meth:`init` of an encrypted store; never stored.
    recovery_code: str | None = None

    @classmethod
    def open(
        cls,
        home: Path | str,
        *,
        passphrase: bytes | None = None,
        secrets: StoreSecrets | None = None,
        _create: bool = False,
    ) -> Store:
        """Open the store at ``home``; an encrypted one needs its keys.

        The keys come from ``secrets``, else the process keyring (an app that unlocked
        the store), else ``passphrase`` (Argon2id: about a second). Raises
        :class:`StoreNotFound`, :class:`StoreLocked` (encrypted, no key given),
        :class:`~fieldkit.errors.WrongPassphrase` (nothing read but the key file,
        nothing written) or :class:`StoreError`.
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
        encrypted = secrets is not None if _create else atrest.is_encrypted_home(home)
        if encrypted and secrets is None:
            secrets = keyring.lookup(home)
            if secrets is None and passphrase is not None:
                secrets = atrest.unlock_store(home / "keys", passphrase)
            if secrets is None:
                raise StoreLocked(
                    f"the store at {home} is encrypted: give its passphrase (a prompt, "
                    "--passphrase-file or FIELDKIT_PASSPHRASE)"
                )
        _check_writable(home)
        try:
            conn = connect(db_path, secrets if encrypted else None)
            migrate(conn)
        except DATABASE_ERRORS as exc:
            raise StoreError(f"{db_path}: cannot open the database: {exc}") from exc
        store = cls(home, conn, secrets if encrypted else None)
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
        encrypted: bool = True,
    ) -> Store:
        """Create the store, the person, the device and the signing key.

        Makes ``home`` (or uses it if empty of a store), the keys (Ed25519 signing key and
        age identity, both encrypted with ``passphrase``), the database, and the person and
        device records; signs the first checkpoint. The device is named ``device_name`` or
        the computer's name (:func:`platform.node`). Raises :class:`StoreExists`,
        :class:`ValidationError` (no name/email, empty passphrase), :class:`StoreError`;
        a failure half-way removes what it made.

        Encrypted unless ``encrypted=False`` (``init --unencrypted``): a store key
        wrapped by the passphrase, a recovery code (in ``store.recovery_code``, shown
        once, never stored), SQLCipher for the database and age for the files.
        """
        from fieldkit.crypto import keys, sshsig

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
            secrets, code = None, None
            if encrypted:
                assert public.age_recipient is not None
                secrets, code = atrest.create_store_key(
                    home / "keys", passphrase, personal_recipient=public.age_recipient
                )
            for sub in ("media", "cache"):
                (home / sub).mkdir(exist_ok=True)
            store = cls.open(home, secrets=secrets, _create=True)
            store.recovery_code = code
            if secrets is not None:
                keyring.remember(home, secrets)  # unlocked for this process, as after open
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
