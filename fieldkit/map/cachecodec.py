"""The layer cache's encoding (:mod:`fieldkit.map.cache`): one part of an entry (a
layer's points, or the footprints with their input) as a JSON header followed by raw
little-endian columns.

Numbers are float64 (NaN: unknown), rowids int64; a column of texts (or None) is a list
of its distinct values in the header and one int32 code per point (a site's type, its
case, a remnant's site: few values, read in microseconds); record ids are one text chunk
split on line breaks; the footprints are JSON with their repeated method text kept once.
Reading 100,000 photos is then a few array copies.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from fieldkit.map.layers import MapData, Points


def _column(values: Any) -> tuple[str, Any, Any]:
    """(kind, array or list, distinct values) of a column: "a" a float64 array; "f"/"i"/
    "b" a list of numbers or bools (float64, NaN for None); "d" texts or None (codes
    into the distinct values); else "j", the list itself in the header."""
    if isinstance(values, np.ndarray):
        return "a", values, None
    if set(map(type, values)) <= {str, type(None)}:  # (map and set: loops in C)
        distinct = list(dict.fromkeys(values))
        code = {v: i for i, v in enumerate(distinct)}
        return "d", np.fromiter(map(code.__getitem__, values), "<i4", len(values)), distinct
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        kind = "i" if all(v is None or isinstance(v, int) for v in values) else "f"
        return kind, np.array([np.nan if v is None else v for v in values], dtype="<f8"), None
    if all(isinstance(v, bool) for v in values):
        return "b", np.array(values, dtype="<f8"), None
    return "j", values, None


def _uncolumn(kind: str, raw: Any, distinct: Any = None) -> Any:
    if kind == "a":
        return raw
    if kind == "j":
        return list(raw)
    if kind == "d":
        table = np.empty(len(distinct), dtype=object)
        table[:] = distinct
        return table[raw].tolist() if len(raw) else []
    values = raw.tolist()
    if kind == "b":
        return [bool(v) for v in values]
    if kind == "i":
        return [None if math.isnan(v) else int(v) for v in values]
    return [None if math.isnan(v) else v for v in values]


# every footprint repeats the method's paragraph (and often one message): kept once
_REPEATED = ("method", "message")


def _pack_texts(footprints: list[dict[str, Any]]) -> dict[str, Any]:
    texts: dict[str, int] = {}
    items = []
    for fp in footprints:
        item = dict(fp)
        for k in _REPEATED:
            if isinstance(item.get(k), str):
                item[k] = texts.setdefault(item[k], len(texts))
        items.append(item)
    return {"texts": list(texts), "items": items}


def _unpack_texts(packed: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not packed:
        return []
    texts = packed["texts"]
    items: list[dict[str, Any]] = packed["items"]
    for item in items:
        for k in _REPEATED:
            if isinstance(item.get(k), int):
                item[k] = texts[item[k]]
    return items


def _joined(texts: list[str]) -> bytes:
    if any("\n" in t for t in texts):
        raise ValueError("a record id with a line break")
    return "\n".join(texts).encode()


class _Writer:
    """A JSON header and raw little-endian chunks after it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.offset = 0

    def put(self, arr: np.ndarray | bytes, dtype: str = "<f8") -> list[Any]:
        raw = arr if isinstance(arr, bytes) else np.ascontiguousarray(arr, dtype=dtype).tobytes()
        self.chunks.append(raw)
        self.offset += len(raw)
        return [self.offset - len(raw), len(raw), dtype]

    def column(self, values: Any) -> list[Any]:
        kind, arr, distinct = _column(values)
        if kind == "j":
            return [kind, arr]
        return [kind, self.put(arr, "<i4" if kind == "d" else "<f8"), distinct]

    def blob(self, header: dict[str, Any]) -> bytes:
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
        return struct.pack("<I", len(head)) + head + b"".join(self.chunks)


def encode_part(part: str, data: MapData) -> bytes:
    w = _Writer()
    if part == "footprints":
        rows = data.footprint_input
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(6)]
        return w.blob(
            {
                "footprints": _pack_texts(data.footprints) if data.footprints_computed else None,
                "n": len(rows),
                "rowid": w.put(data.footprint_rowid, "<i8"),
                "columns": [w.column(list(c)) for c in columns],
            }
        )
    pts: Points = getattr(data, part)
    # record ids are UUIDs (no line breaks): one text chunk, split on reading, is ten
    # times faster than a JSON list of 100,000 strings
    return w.blob(
        {
            "ids": w.put(_joined(pts.ids)),
            "lat": w.put(pts.lat),
            "lon": w.put(pts.lon),
            "rowid": w.put(pts.rowid, "<i8"),
            "extra": {col: w.column(values) for col, values in pts.extra.items()},
        }
    )


def decode_part(part: str, blob: bytes) -> Any:
    """A part as :func:`encode_part` wrote it: Points, or for the footprints (rows,
    rowids, footprints or None). Raises ValueError (or another error) when damaged."""
    (n,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4 : 4 + n])
    body = memoryview(blob)[4 + n :]

    def get(span: list[Any]) -> np.ndarray:
        start, length, dtype = span
        return np.frombuffer(body[start : start + length], dtype=dtype).copy()

    def column(entry: list[Any]) -> Any:
        kind = entry[0]
        if kind == "j":
            return _uncolumn(kind, entry[1])
        return _uncolumn(kind, get(entry[1]), entry[2])

    if part == "footprints":
        columns = [column(spec) for spec in header["columns"]]
        rows = list(zip(*columns, strict=True)) if header["n"] else []
        rowid = get(header["rowid"])
        if len(rows) != header["n"] or len(rowid) != len(rows):
            raise ValueError("a damaged map cache entry")
        packed = header.get("footprints")
        return rows, rowid, None if packed is None else _unpack_texts(packed)
    extra = {col: column(spec) for col, spec in header["extra"].items()}
    start, length, _dtype = header["ids"]
    text = bytes(body[start : start + length]).decode()
    ids = text.split("\n") if text else []
    pts = Points(ids, get(header["lat"]), get(header["lon"]), extra, get(header["rowid"]))
    sizes = {len(pts.lat), len(pts.lon), len(pts.ids)} | {len(v) for v in extra.values()}
    if len(sizes) != 1 or len(pts.rowid) not in (0, len(pts.ids)):
        raise ValueError("a damaged map cache entry")
    return pts
