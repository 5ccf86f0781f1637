"""Untrusted text made safe to show: the one function every name or value from a bundle
or a photo passes through before it reaches a terminal, a log or a list in the app.

A file name in a bundle can hold ``ESC [2J`` (clear the screen), a carriage return that
overwrites what was printed, or a right-to-left override (U+202E) that shows
``evil‮gpj.exe`` as ``evilexe.jpg``. :func:`escape` shows each such character as a
visible escape instead:

* C0 controls U+0000–U+001F and DEL U+007F–C1 U+009F as ``\\xNN`` (Unicode ``Cc``);
* the bidirectional embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069
  (Unicode Bidirectional Algorithm, UAX #9) as ``\\uNNNN``;
* lone surrogates (a file name that was not UTF-8, decoded with ``surrogateescape``) as
  ``\\udcNN``, which a terminal could not print at all.

Everything else, Arabic and other right-to-left scripts included, is kept: only the
invisible controls that change how *other* text is shown are escaped. Text shown inside
a document (a PDF, a form field holding a statement) is not passed through here and keeps
its bidirectional marks. :func:`json_dumps` is ``json.dumps`` whose output escapes the
same characters as JSON ``\\uNNNN`` escapes (JSON itself escapes only C0), so ``--json``
output holds no raw control character either and still decodes to the same values.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0, DEL and C1; the bidi embeddings/overrides and isolates; lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# What json.dumps(ensure_ascii=False) leaves raw among those (it escapes C0 itself).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: object) -> str:
    """``str(text)`` with every control, bidi override and lone surrogate shown escaped.

    ``escape("a\\x1b[2Jb")`` is ``'a\\\\x1b[2Jb'``; newlines and tabs are escaped too (one
    value is one line). A backslash already in the text is kept as it is.
    """
    return _UNSAFE.sub(_shown, text if isinstance(text, str) else str(text))


def is_safe(text: str) -> bool:
    """True when :func:`escape` would leave ``text`` unchanged."""
    return _UNSAFE.search(text) is None


def json_dumps(doc: Any, **kwargs: Any) -> str:
    """``json.dumps(doc, ensure_ascii=False, **kwargs)`` with C1, DEL, bidi controls and
    lone surrogates written as ``\\uNNNN`` escapes (the same values, safe to print)."""
    text = json.dumps(doc, ensure_ascii=False, **kwargs)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def safe_lines(text: str) -> str:
    """A block of lines with every line :func:`escape` d; the line breaks themselves kept.

    For the last line of defence on a terminal stream (:class:`SafeStream`): a value that
    was not escaped at its source cannot move the cursor or clear the screen.
    """
    return "\n".join(_UNSAFE.sub(_keep_tab, line) for line in text.split("\n"))


def _keep_tab(match: re.Match[str]) -> str:
    return "\t" if match.group() == "\t" else _shown(match)


class SafeStream:
    """A text stream wrapper whose writes go through :func:`safe_lines` (tabs kept)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(safe_lines(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
