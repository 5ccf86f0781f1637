"""Connecting to the store's database: SQLCipher 4 when encrypted, SQLite otherwise.

SQLCipher (through the ``sqlcipher3`` DB-API binding, which ships wheels with SQLCipher
built in) encrypts every page of ``fieldkit.db`` and of its write-ahead log with
AES-256 and an HMAC-SHA512 per page; the key is the store's raw 256-bit database key
(``PRAGMA key = "x'…'"``, so SQLCipher's own PBKDF2 is skipped: the passphrase already
went through Argon2id). Temporary tables and indices are kept in memory
(``temp_store = MEMORY``), so sorting a large query writes no plaintext temp file. The
``-shm`` file holds only WAL page numbers and checksums.

The binding's connection has the same API as :mod:`sqlite3`'s, so sqlite-utils and
every query work unchanged. Its exception classes are its own: :data:`DATABASE_ERRORS`
catches both.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from fieldkit.atrest.keyfile import StoreSecrets
from fieldkit.errors import StoreError

try:  # the binding is a dependency; imported lazily so an unencrypted store never needs it
    import sqlcipher3 as _sqlcipher
except ImportError:  # pragma: no cover - reported when an encrypted store is opened
    _sqlcipher = None

DATABASE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,) + (
    (_sqlcipher.DatabaseError,) if _sqlcipher is not None else ()
)
#: ``sqlite3.OperationalError`` and SQLCipher's (a full disk, a locked database).
OPERATIONAL_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError,) + (
    (_sqlcipher.OperationalError,) if _sqlcipher is not None else ()
)
#: ``sqlite3.Error`` and SQLCipher's.
SQL_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,) + (
    (_sqlcipher.Error,) if _sqlcipher is not None else ()
)


def connect(db_path: Path, secrets: StoreSecrets | None) -> sqlite3.Connection:
    """An open connection with FieldKit's pragmas (WAL, full sync, foreign keys).

    With ``secrets`` the database is SQLCipher-encrypted with the store's key; a file
    that the key does not open raises :class:`StoreError` naming it (the key itself was
    already proven by the store key file's AEAD tag, so this means a damaged or foreign
    database). Raises the binding's ``DatabaseError`` for other failures.
    """
    conn: Any
    if secrets is None:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=10.0, check_same_thread=True)
    else:
        if _sqlcipher is None:
            raise StoreError("this store is encrypted and the sqlcipher3 package is missing")
        conn = _sqlcipher.connect(
            str(db_path), isolation_level=None, timeout=10.0, check_same_thread=True
        )
        conn.execute("PRAGMA cipher_log_level = NONE")  # errors are ours to report, once
        conn.execute(f"PRAGMA key = {secrets.sqlcipher_key()}")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except _sqlcipher.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{db_path}: the store key does not open this database ({exc}): it is damaged, "
                "or not this store's"
            ) from None
        conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def is_plain_sqlite(db_path: Path) -> bool:
    """Whether the file starts with SQLite's header (an unencrypted database)."""
    try:
        with open(db_path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_encrypted_home(home: Path) -> bool:
    """Whether the store at ``home`` is encrypted: it has a store key and its database
    is not plain SQLite (a ``store encrypt`` interrupted before its switch is still plain).
    """
    from fieldkit.atrest.keyfile import is_encrypted_store
    from fieldkit.paths import DB_NAME

    return is_encrypted_store(home / "keys") and not is_plain_sqlite(home / DB_NAME)


__all__ = [
    "DATABASE_ERRORS",
    "OPERATIONAL_ERRORS",
    "SQL_ERRORS",
    "connect",
    "is_encrypted_home",
    "is_plain_sqlite",
]
