"""The unsealing helper process: decrypts a store's sealed files for a long copy-out.

Started by :class:`fieldkit.atrest.unseal.Unsealer` as ``python -P <this file>``; it
imports only the standard library and pyrage (never the rest of FieldKit), talks only
through its standard input and output (never a socket) and exits at the end of its
input or when its reader goes away.

Input (stdin): the first line is the store's age identity (``AGE-SECRET-KEY-1…``; on
the pipe, never on the command line or in the environment, where other programs could
read it); then one JSON string per line, the path of a sealed file.

Output (stdout): frames of a one-byte kind, a four-byte big-endian length and that many
bytes. First ``R`` (ready: pyrage imported, the identity read; length 0), then, per path
in the order given:

- ``D``: up to 1 MiB of the file's plaintext, in order;
- ``E``: the end of the file, after its last chunk was authenticated (length 0);
- ``X``: the file does not decrypt (damaged or foreign); the payload is the reason
  (UTF-8). Some ``D`` frames may have come before: the reader discards them;
- ``O``: the file cannot be opened: ``"<errno> <reason>"`` (ASCII digits, a space, UTF-8),
  raised again as the same ``OSError`` (``FileNotFoundError`` for a missing file).
"""

from __future__ import annotations

import json
import signal
import struct
import sys
from typing import Any, BinaryIO

BLOCK = 1 << 20
HEADER = struct.Struct(">cI")


class _Frames:
    """The ``write`` end pyrage pushes plaintext into: ``D`` frames of up to BLOCK bytes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.parts: list[bytes] = []
        self.have = 0
        self.error: BaseException | None = None  # the pipe broke: the reader is gone

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.have += len(data)
        if self.have >= BLOCK:
            self.push()
        return len(data)

    def flush(self) -> None:
        pass

    def push(self) -> None:
        if not self.have:
            return
        block = b"".join(self.parts)
        self.parts, self.have = [], 0
        try:
            self.out.write(HEADER.pack(b"D", len(block)))
            self.out.write(block)
        except BaseException as exc:
            self.error = exc
            raise


def _frame(out: BinaryIO, kind: bytes, payload: bytes = b"") -> None:
    out.write(HEADER.pack(kind, len(payload)) + payload)
    out.flush()


def _unseal(path: str, identity: Any, out: BinaryIO) -> None:
    import pyrage

    frames = _Frames(out)
    try:
        sealed = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        _frame(out, b"O", f"{exc.errno or 0} {exc.strerror or exc}".encode("utf-8", "replace"))
        return
    try:
        with sealed:
            pyrage.decrypt_io(sealed, frames, [identity])
    except Exception as exc:  # pyrage.DecryptError, or an OSError for a bad chunk
        if frames.error is not None:
            raise frames.error from None
        _frame(out, b"X", str(exc).encode("utf-8", "replace")[:2000])
        return
    frames.push()
    _frame(out, b"E")


def main() -> int:
    # Ctrl+C in a terminal reaches the whole process group: the parent decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pyrage

    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        identity = pyrage.x25519.Identity.from_str(source.readline().decode("ascii").strip())
    except Exception:
        _frame(out, b"X", b"the store's age identity did not reach the helper intact")
        return 1
    _frame(out, b"R")
    try:
        for line in source:
            _unseal(json.loads(line), identity, out)
    except (BrokenPipeError, ConnectionResetError):
        return 0  # the reader stopped (an error or a cancel on its side)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
