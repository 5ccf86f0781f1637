"""Search across every record and caption with SQLite FTS5 (``fieldkit search TEXT``).

The index is a TEMP FTS5 table of the connection that searches: it lives in memory, is
never written to the store's file (so an encrypted store leaks nothing to disk through
it), and is rebuilt from the projection tables when the journal has grown since it was
built (events are append-only, so their count says whether anything changed). Rebuilding
reads every text field once: about a second for 100,000 records.

What is indexed is decided by the field table (:mod:`fieldkit.records`): every ``text``,
``list``, ``names`` and ``enum`` field of cases, sites, remnants (markings included),
statements and media, and link captions. A query is a list of words; each matches as a
prefix (``9n2`` finds 9N235), case and diacritics ignored (FTS5 ``unicode61`` with
``remove_diacritics 2``). FTS5 syntax typed by a person is never interpreted: every word
is quoted.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldkit import records

if TYPE_CHECKING:
    from fieldkit.store import Store

SEARCHED_KINDS = ("case", "site", "remnant", "statement", "media", "link")
_TEXT_TYPES = ("text", "list", "names", "enum")
_SKIP = {"sha256", "mime", "time_source", "captured_local", "utc_offset", "target_id"}
_TABLE = "temp.fieldkit_search"


@dataclass(frozen=True)
class Hit:
    """One record that matches: ``kind`` and ``id``, a ``title`` to show, a ``snippet``
    of the matching text with the match in [brackets], and where to open it: ``site_id``
    (the site it belongs to, or None) and ``media_id`` (for a photo or a caption)."""

    kind: str
    id: str
    title: str
    snippet: str
    site_id: str | None
    media_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "snippet": self.snippet,
            "site_id": self.site_id,
            "media_id": self.media_id,
        }


def _fields(kind: str) -> list[str]:
    k = records.kind_of(kind)
    return [f.name for f in k.fields if f.type in _TEXT_TYPES and f.name not in _SKIP]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            decoded = json.loads(value) if value[:1] in "[{" else value
        except ValueError:
            decoded = value
        value = decoded
    if isinstance(value, list):
        return " ".join(
            str(v.get("name", "")) if isinstance(v, dict) else str(v).replace("_", " ")
            for v in value
        )
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def _state(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def _build(store: Store) -> None:
    conn = store.conn
    conn.execute(f"DROP TABLE IF EXISTS {_TABLE}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {_TABLE} USING fts5("
        "kind UNINDEXED, id UNINDEXED, site_id UNINDEXED, media_id UNINDEXED, "
        "title, body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    rows: list[tuple[Any, ...]] = []
    media_site = dict(
        conn.execute(
            "SELECT media_id, min(target_id) FROM links "
            "WHERE _retracted = 0 AND target_kind = 'site' GROUP BY media_id"
        ).fetchall()
    )
    remnant_site = dict(conn.execute("SELECT id, site_id FROM remnants").fetchall())
    for kind in SEARCHED_KINDS:
        k = records.kind_of(kind)
        names = _fields(kind)
        extra = {"remnant": ["site_id"], "statement": ["site_id"], "link": ["media_id"]}.get(
            kind, []
        )
        extra += ["target_kind", "target_id"] if kind == "link" else []
        cols = ", ".join(f"[{c}]" for c in ["id", *names, *extra])
        for row in conn.execute(f"SELECT {cols} FROM [{k.plural}] WHERE _retracted = 0"):
            rid, values, more = row[0], row[1 : 1 + len(names)], row[1 + len(names) :]
            body = " · ".join(t for t in (_text(v) for v in values) if t)
            if not body:
                continue
            title = _text(dict(zip(names, values, strict=True)).get(k.title_field)) or rid
            site_id: str | None = None
            media_id: str | None = None
            if kind == "site":
                site_id = rid
            elif kind in ("remnant", "statement"):
                site_id = more[0]
            elif kind == "media":
                media_id, site_id = rid, media_site.get(rid)
            elif kind == "link":
                media_id, target_kind, target_id = more
                site_id = {"site": target_id, "remnant": remnant_site.get(target_id)}.get(
                    target_kind, media_site.get(media_id)
                )
            rows.append((kind, rid, site_id, media_id, title, body))
    conn.executemany(
        f"INSERT INTO {_TABLE} (kind, id, site_id, media_id, title, body) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def _ensure_index(store: Store) -> None:
    state = _state(store.conn)
    built = getattr(store, "_search_state", None)
    if built != state:
        _build(store)
        store._search_state = state  # type: ignore[attr-defined]


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """The FTS5 query for what a person typed: every word quoted, each a prefix, all
    required. None when there is no word to search for."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


def search(store: Store, text: str, *, kinds: tuple[str, ...] = (), limit: int = 200) -> list[Hit]:
    """Records and captions matching every word of ``text``, best first (FTS5 bm25,
    titles weighted 4×). ``kinds`` narrows to some of :data:`SEARCHED_KINDS`."""
    for kind in kinds:
        if kind not in SEARCHED_KINDS:
            raise records.ValidationError(
                f"cannot search {kind!r}; searchable: {', '.join(SEARCHED_KINDS)}"
            )
    query = fts_query(text)
    if query is None:
        return []
    _ensure_index(store)
    sql = (
        f"SELECT kind, id, title, snippet(fieldkit_search, 5, '[', ']', '…', 12), "
        f"site_id, media_id FROM {_TABLE} WHERE fieldkit_search MATCH ?"
    )
    params: list[Any] = [query]
    if kinds:
        sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
        params.extend(kinds)
    sql += " ORDER BY bm25(fieldkit_search, 4.0, 1.0) LIMIT ?"
    params.append(int(limit))
    return [Hit(*row) for row in store.conn.execute(sql, params)]


__all__ = ["SEARCHED_KINDS", "Hit", "fts_query", "search"]
