"""The store: a folder with the SQLite database, the media store, a cache and the keys.

Every change is a journal event appended in the same SQLite transaction that updates the
projection (the tables people query), so a crash leaves either both or neither. The
projection can be dropped and rebuilt from the journal at any time; it is rebuilt
automatically when the record fields change between versions.

One :class:`Store` per thread (SQLite connections are not shared between threads).

Where each part lives (one module per job; :class:`Store` is assembled from them):
:mod:`.schema` (migrations, meta columns), :mod:`.core` (connection, transactions),
:mod:`.projection` (tables rebuilt from the journal), :mod:`.chain` (append, clock,
checkpoints), :mod:`.reads`, :mod:`.writes` (the records API), :mod:`.merge` (other
devices' events) and :mod:`.opening` (open, init).
"""

from __future__ import annotations

from fieldkit.errors import ChainError
from fieldkit.store.merge import MergeReport
from fieldkit.store.opening import Store
from fieldkit.store.schema import META_COLUMNS, table_of

__all__ = ["META_COLUMNS", "ChainError", "MergeReport", "Store", "table_of"]
