"""BagIt 1.0 (RFC 8493) pieces shared by the writer and the verifier.

Names and limits of the bundle format (version 1), the tag files' text forms, manifest
and bag-info parsing with bounds checked *before* anything is allocated, and the
path rules every name from a bundle must pass. Nothing here touches the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from fieldkit.canonical import is_sha256
from fieldkit.fsutil import fsync_dir
from fieldkit.problems import Problem

FORMAT_VERSION = "1"
#: "2" when the bundle carries an event of version 2 (a reinstatement); "1" otherwise,
#: so a FieldKit that reads only version 1 still reads every bundle without one.
FORMAT_VERSIONS = ("1", "2")
BLOCK = 1 << 20  # 1 MiB: hashing and copying unit

BAGIT_TXT_NAME = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "tagmanifest-sha256.txt.sig"
TAG_FILES = (BAGIT_TXT_NAME, BAG_INFO, MANIFEST)  # what the tag manifest lists
TOP_LEVEL = {*TAG_FILES, TAGMANIFEST, SIGNATURE}
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

JOURNAL_DIR = "data/journal"
MEDIA_DIR = "data/media"
EXPORT_DIR = "data/export"
JOURNAL_FILE = re.compile(r"^data/journal/([0-9a-f-]{36})\.jsonl$")  # group 1: device
CHECKPOINT_FILE = re.compile(r"^data/journal/([0-9a-f-]{36})\.checkpoints\.json$")
MEDIA_FILE = re.compile(r"^data/media/([0-9a-f]{2})/([0-9a-f]{64})$")  # a media file by SHA-256

# Bounds on what a bundle may make us read or allocate. A real bundle is far below
# each; anything above is refused before it is read, not after.
MAX_BAG_INFO = 1_000_000
MAX_BAGIT_TXT = 4096
MAX_MANIFEST_LINES = 200_000
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_TAGMANIFEST_BYTES = 64 * 1024
MAX_SIGNATURE_BYTES = 64 * 1024
MAX_CHECKPOINTS_BYTES = 16 * 1024 * 1024
MAX_DEVICES_JSON = 4 * 1024 * 1024
MAX_PATH_BYTES = 1024


# --- paths ----------------------------------------------------------------------------


def encode_manifest_path(path: str) -> str:
    """RFC 8493 §2.1.3: percent-encode CR, LF and % in manifest paths."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_manifest_path(path: str) -> str:
    return (
        path.replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%25", "%")
    )


def unsafe_path_reason(path: str) -> str | None:
    """Why a bag-relative path from a bundle is not safe to use, or None if it is.

    Checked the way bagit-python's ``_path_is_dangerous`` does (``commonpath`` against
    a root, never a prefix test) plus the spellings that differ between systems: a
    backslash, a drive letter, NUL, control characters (C0, DEL, C1), bidirectional
    overrides and isolates (U+202A–U+202E, U+2066–U+2069) and empty components.
    """
    if not path:
        return "empty path"
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        return f"path longer than {MAX_PATH_BYTES} bytes"
    if "\0" in path or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path):
        return "control character in path"
    if any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in path):
        return "bidirectional control character in path (it can disguise a name)"
    if "\\" in path:
        return "backslash in path"
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return "absolute path"
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "path with '..', '.' or an empty component"
    root = os.path.abspath("/bag-root")
    target = os.path.abspath(os.path.join(root, path))
    if os.path.commonpath([root, target]) != root:
        return "path escapes the bag"
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "name is not UTF-8"
    return None


# --- manifests ------------------------------------------------------------------------


def manifest_text(entries: list[tuple[str, str]]) -> bytes:
    """``<sha256>  <path>`` lines (what ``sha256sum -c`` reads), sorted by path."""
    lines = [f"{sha}  {encode_manifest_path(path)}\n" for path, sha in sorted(entries)]
    return "".join(lines).encode("utf-8")


def parse_manifest(
    data: bytes, name: str, *, max_lines: int = MAX_MANIFEST_LINES
) -> tuple[dict[str, str], list[Problem]]:
    """Parse a manifest into {path: sha256}; every bad line is a problem, none is fatal."""
    problems: list[Problem] = []
    out: dict[str, str] = {}
    # Count before splitting: a manifest of a million lines is refused without
    # building a million-entry list.
    count = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if count > max_lines:
        return {}, [
            Problem("bounds", f"{count} lines; at most {max_lines} are accepted", path=name)
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {}, [Problem("encoding", f"not UTF-8 ({exc.reason} at byte {exc.start})", path=name)]
    if data and not data.endswith(b"\n"):
        problems.append(Problem("format", "the last line has no line break", path=name))
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        digest, sep, rest = line.partition(" ")
        path = rest[1:] if rest.startswith((" ", "*")) else rest
        if not sep or not is_sha256(digest) or not path or line.endswith("\r"):
            problems.append(
                Problem(
                    "format", f"line {number} is not '<sha256>  <path>': {line[:80]!r}", path=name
                )
            )
            continue
        path = decode_manifest_path(path)
        reason = unsafe_path_reason(path)
        if reason is not None:
            problems.append(Problem("unsafe-path", f"line {number}: {reason}: {path!r}", path=name))
            continue
        if path in out:
            problems.append(
                Problem("duplicate", f"line {number}: {path} is listed twice", path=name)
            )
            continue
        out[path] = digest
    return out, problems


# --- bag-info -------------------------------------------------------------------------


def clean_value(value: object) -> str:
    """One line of text for bag-info: control characters (a newline could forge a
    field) become spaces."""
    text = "" if value is None else str(value)
    return " ".join("".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text).split())


def bag_info_text(fields: list[tuple[str, str]]) -> bytes:
    return "".join(f"{label}: {clean_value(value)}\n" for label, value in fields).encode("utf-8")


def parse_bag_info(data: bytes, name: str = BAG_INFO) -> tuple[dict[str, list[str]], list[Problem]]:
    """``Label: value`` lines (continuations indented), repeated labels kept in order."""
    problems: list[Problem] = []
    out: dict[str, list[str]] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {}, [Problem("encoding", f"not UTF-8 ({exc.reason} at byte {exc.start})", path=name)]
    last: str | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line[0] in " \t" and last is not None:
            out[last][-1] += " " + line.strip()
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip() or label != label.strip():
            problems.append(Problem("format", f"line {number} is not 'Label: value'", path=name))
            last = None
            continue
        last = label
        out.setdefault(label, []).append(value.strip())
    return out, problems


# --- writing --------------------------------------------------------------------------


class Sink(Protocol):
    """Where a bag is written: a folder or a zip. Paths are bag-relative."""

    def open(self, rel: str, *, size: int | None = None) -> Any: ...

    def finish(self) -> None: ...


class HashingWriter:
    """Write-through that hashes (SHA-256) and counts what passes."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


class FolderSink:
    """Writes a bag into ``root`` (a fresh, temporary folder renamed when complete)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs: set[Path] = set()

    @contextmanager
    def open(self, rel: str, *, size: int | None = None) -> Iterator[IO[bytes]]:
        target = self.root / rel
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        with open(target, "xb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(target, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)

    def finish(self) -> None:
        for d in sorted(self._dirs, key=lambda p: len(p.parts), reverse=True):
            fsync_dir(d)
        fsync_dir(self.root)
