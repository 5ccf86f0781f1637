"""Exports that don't leak: a bundle with restricted or confidential content is encrypted
to a trusted colleague, or written plain only when asked for (`--plaintext`)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pyrage
import pytest

from fieldkit import disclosure
from fieldkit.cli import main
from fieldkit.crypto import keyfolder, trustlist
from tests.conftest import PASSPHRASE


@pytest.fixture
def two(make_store, passphrase_env):
    ana, bek = make_store("A"), make_store("B")
    trustlist.trust(ana.keys_dir, trustlist.export_public(bek.keys_dir), identity="bek@example.org")
    case = ana.create("case", {"title": "Strikes"})
    return ana, bek, case


def _statement(store, case, sensitivity: str) -> dict:
    return store.create(
        "statement",
        {
            "case_id": case["id"],
            "witness_code": "W-9",
            "consent": "anonymous",
            "sensitivity": sensitivity,
            "quotes": ["We heard whistling."],
        },
    )


def _export(store, *args: str) -> int:
    return main(["--home", str(store.home), "export", *args])


def test_confidential_statement_needs_a_recipient_or_plaintext(two, tmp_path, capsys):
    ana, bek, case = two
    _statement(ana, case, "confidential")
    out = tmp_path / "bundle"
    assert _export(ana, "--out", str(out), "--zip") == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "1 confidential statement" in err and "--plaintext" in err and "--to" in err
    assert not any(p.name.startswith("bundle") for p in tmp_path.iterdir())
    # Encrypting to oneself protects nothing once the file leaves: still refused.
    assert _export(ana, "--out", str(out), "--zip", "--to", "ana@example.org") == 3
    capsys.readouterr()

    # To a trusted colleague: an age file that Bek opens with the stock age tool.
    assert _export(ana, "--out", str(out), "--to", "bek@example.org", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["form"] == "zip.age" and report["carries"]["confidential"] == 1
    sealed = Path(report["path"])
    bek_identity = tmp_path / "bek-identity.txt"
    bek_identity.write_bytes(
        pyrage.passphrase.decrypt(
            (bek.keys_dir / keyfolder.AGE_IDENTITY).read_bytes(), PASSPHRASE.decode()
        )
    )
    plain = tmp_path / "opened.zip"
    subprocess.run(
        ["age", "-d", "-i", str(bek_identity), "-o", str(plain), str(sealed)], check=True
    )
    with zipfile.ZipFile(plain) as z:
        assert any(n.endswith("/bagit.txt") for n in z.namelist())

    # Plain, because the person said so: written, and the report says what it carries.
    assert _export(ana, "--out", str(tmp_path / "plain"), "--full", "--plaintext") == 0
    text = capsys.readouterr().out
    assert "carries      1 confidential statement; UNENCRYPTED (--plaintext)" in text
    assert (tmp_path / "plain" / "bagit.txt").is_file()


def test_restricted_photo_counts_and_public_content_exports_plain(two, tmp_path, capsys):
    ana, _bek, case = two
    _statement(ana, case, "public")
    assert _export(ana, "--out", str(tmp_path / "b1")) == 0  # nothing sensitive: a folder
    capsys.readouterr()
    stored = ana.media.put_bytes(b"\xff\xd8\xff\xe0 a face")
    media = ana.create("media", {"sha256": stored.sha256, "size": 10, "mime": "image/jpeg"})
    assert main(["--home", str(ana.home), "media", "edit", media["id"], "--sensitivity",
                 "restricted"]) == 0  # fmt: skip
    capsys.readouterr()
    assert _export(ana, "--out", str(tmp_path / "b2")) == 3
    assert "1 restricted photo" in capsys.readouterr().err
    assert not (tmp_path / "b2").exists()


def test_history_counts_a_statement_once_confidential(two):
    ana, _bek, case = two
    st = _statement(ana, case, "confidential")
    ana.update(st["id"], {"sensitivity": "public"})
    carried = disclosure.sensitive_content(ana, {"statement": [st["id"]]})
    # The journal still carries the quote as it was when confidential.
    assert carried.sensitive and carried.describe() == "1 confidential statement"


def test_the_rule_for_other_outputs():
    rows = [
        ("statement", {"id": "s1", "sensitivity": "confidential"}),
        ("statement", {"id": "s2", "sensitivity": "confidential"}),
        ("media", {"id": "m1", "sensitivity": "restricted", "mime": "image/jpeg"}),
        ("media", {"id": "m2", "mime": "image/jpeg"}),
        ("site", {"id": "x", "sensitivity": "confidential"}),
    ]
    carried = disclosure.sensitive_records(rows)
    assert carried.describe() == "2 confidential statements, 1 restricted photo"
    with pytest.raises(disclosure.DisclosureRefused) as err:
        disclosure.check_output(
            carried, trusted_recipients=0, plaintext=False, output="this GeoPackage"
        )
    assert "this GeoPackage would carry 2 confidential statements" in str(err.value)
    assert err.value.carried is carried
    disclosure.check_output(carried, trusted_recipients=1, plaintext=False)
    disclosure.check_output(carried, trusted_recipients=0, plaintext=True)
    disclosure.check_output(disclosure.sensitive_records(rows[3:]), trusted_recipients=0,
                            plaintext=False)  # fmt: skip
