"""The store's SQLite schema: numbered migrations, the record tables' meta columns.

Migrations are numbered functions, each applied in one transaction (``PRAGMA
user_version`` holds the number applied). The projection tables (one per record kind,
plus ``conflicts``) are not migrated: they are rebuilt from the journal whenever
:func:`projection_signature` changes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from fieldkit import records
from fieldkit.canonical import sha256_hex
from fieldkit.errors import StoreError

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 2
PROJECTION_VERSION = 2  # 2: invalid events and foreign changes (reviews) are projected apart
META_COLUMNS = {
    "_created_at": str,
    "_updated_at": str,
    "_created_by": str,
    "_retracted": int,
    "_retract_reason": str,
    "_conflict": int,
    "_heads": str,
    "_events": int,
    "_hlc": str,
}


def table_of(kind: str) -> str:
    return records.kind_of(kind).plural


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (RFC 3339, milliseconds)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def projection_signature() -> str:
    """A hash of the record fields and PROJECTION_VERSION: when it changes, rebuild."""
    spec = [(k.name, [(f.name, f.type) for f in k.fields]) for k in records.KINDS.values()]
    return sha256_hex(json.dumps([PROJECTION_VERSION, spec]).encode())


def chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """``items`` in slices of at most ``size`` (SQLite bounds the parameters of a query)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def to_sql(value: Any) -> Any:
    """A field value as stored in a projection column: lists and dicts as JSON, bools as 0/1."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


# --- migrations: numbered, each in one transaction ---------------------------------------


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""")
    db.execute("""
        CREATE TABLE events (
            hash TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hlc TEXT NOT NULL,
            kind TEXT NOT NULL,
            entity TEXT NOT NULL,
            op TEXT NOT NULL,
            data BLOB NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (device, seq))""")
    db.execute("CREATE INDEX events_entity ON events (entity, hlc)")
    db.execute("CREATE INDEX events_hlc ON events (hlc)")
    db.execute("""
        CREATE TABLE checkpoints (
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            head TEXT NOT NULL,
            hlc TEXT NOT NULL,
            signature TEXT NOT NULL,
            PRIMARY KEY (device, seq))""")
    db.execute("""
        CREATE TABLE exports (
            bundle_id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            path TEXT,
            full INTEGER NOT NULL,
            ranges TEXT NOT NULL)""")


def _migration_2(db: sqlite_utils.Database) -> None:
    # Events kept in the journal but not projected, for a reason that depends on this
    # store (its clock, the revocations it holds), not on the journal alone; so this is
    # state, not projection, and survives a rebuild. docs/trust-model.md.
    db.execute("""
        CREATE TABLE held_back (
            hash TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            entity TEXT NOT NULL,
            cause TEXT NOT NULL,
            reason TEXT NOT NULL,
            held_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX held_back_entity ON held_back (entity)")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migration_1, _migration_2]


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations this database lacks; refuse one from a newer FieldKit."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"the store was written by a newer FieldKit (schema {version})")
    if version == len(MIGRATIONS):
        return  # up to date: no need to import sqlite-utils (a third of a second)
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    for number in range(version + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[number - 1](db)
            conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
