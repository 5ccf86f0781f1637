"""fieldkit.safetext: the one function untrusted text passes through before a terminal."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from fieldkit.problems import Problem
from fieldkit.safetext import escape, is_safe, json_dumps, safe_lines


def test_controls_and_bidi_overrides_are_shown_escaped() -> None:
    assert escape("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert escape("x\x00\x07\t\n\r\x7f\x85\x9b") == "x\\x00\\x07\\x09\\x0a\\x0d\\x7f\\x85\\x9b"
    assert escape("evil\u202egpj.exe") == "evil\\u202egpj.exe"
    assert escape("\u2066a\u2069") == "\\u2066a\\u2069"
    assert escape("caf\udce9.jpg") == "caf\\udce9.jpg"  # a non-UTF-8 byte, surrogate-escaped


def test_ordinary_text_is_kept_right_to_left_scripts_included() -> None:
    for text in ("Market street", "شارع السوق", "Շուկայի փողոց", "C:\\path", "ü ß 漢字 🙂"):
        assert escape(text) == text and is_safe(text)
    # Marks that only direct the text they sit in (LRM/RLM) are not overrides.
    assert escape("a\u200fb") == "a\u200fb"


def test_escape_takes_any_object_and_problems() -> None:
    p = Problem("unsafe-path", "control character in path", path="data/\x1b")
    assert escape(p) == "data/\\x1b: control character in path [unsafe-path]"
    assert escape(None) == "None"


def test_json_output_escapes_c1_and_bidi_and_decodes_to_the_same_values() -> None:
    doc = {"name": "a\x1b\x85\u202e\udce9b", "plain": "شارع"}
    text = json_dumps(doc)
    assert is_safe(text.replace("\n", ""))
    assert "\\u0085" in text and "\\u202e" in text and "شارع" in text
    assert json.loads(text)["name"] == doc["name"]


def test_safe_lines_keeps_line_breaks_and_tabs_only() -> None:
    assert safe_lines("a\tb\nc\x1b[1m\rd\n") == "a\tb\nc\\x1b[1m\\x0dd\n"


@given(st.text())
def test_escaped_text_is_always_safe(text: str) -> None:
    shown = escape(text)
    assert is_safe(shown)
    if is_safe(text):
        assert shown == text
