"""GIS files and the case report follow the store's one rule for sensitive outputs
(fieldkit.disclosure): with restricted or confidential content they are encrypted to a
trusted colleague (`--to`, opened with the stock `age` tool), or written plain only with
`--plaintext`, and the report of the command says what they carry."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pyrage
import pytest

from fieldkit.cli import main
from fieldkit.crypto import keyfolder, keys, trustlist
from tests import outputs_case as oc
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("age", "ogrinfo", "pdftotext", "ssh-keygen")),
    reason="needs age, gdal-bin, poppler-utils, openssh-client",
)


@pytest.fixture
def two(make_store, passphrase_env, tmp_path):
    """Ana's store with the output case; Bek, a trusted colleague with an age recipient."""
    ana, bek = make_store("A"), make_store("B")
    trustlist.trust(ana.keys_dir, trustlist.export_public(bek.keys_dir), identity="bek@example.org")
    case = oc.build_case(ana, tmp_path, photos=2)
    identity = tmp_path / "bek-identity.txt"
    identity.write_bytes(
        pyrage.passphrase.decrypt(
            (bek.keys_dir / keyfolder.AGE_IDENTITY).read_bytes(), PASSPHRASE.decode()
        )
    )
    out = tmp_path / "out"
    out.mkdir()
    return {
        "ana": ana,
        "case": case,
        "bek_fingerprint": keys.load_public(bek.keys_dir).fingerprint,
        "ana_fingerprint": keys.load_public(ana.keys_dir).fingerprint,
        "identity": identity,
        "out": out,
    }


def _cli(t: dict, *args: str) -> int:
    return main(["--home", str(t["ana"].home), *args])


def _age_decrypt(t: dict, sealed: Path, plain: Path) -> None:
    subprocess.run(
        ["age", "-d", "-i", str(t["identity"]), "-o", str(plain), str(sealed)], check=True
    )


def test_gis_refuses_then_encrypts_for_a_colleague(two, capsys) -> None:
    t = two
    base = ["gis", "export", "--case", t["case"].case_id, "--include", "confidential"]
    gpkg = ["--format", "gpkg", "--out", str(t["out"] / "case.gpkg")]
    assert _cli(t, *base, *gpkg) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "confidential statement" in err and "--to" in err and "--plaintext" in err
    assert list(t["out"].iterdir()) == []  # nothing written
    # Encrypting to oneself protects nothing once the file leaves: still refused.
    assert _cli(t, *base, *gpkg, "--to", t["ana_fingerprint"]) == 3
    capsys.readouterr()

    assert _cli(t, *base, *gpkg, "--to", t["bek_fingerprint"], "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    sealed = Path(doc["path"])
    assert sealed.name == "case-internal-confidential.gpkg.age" and doc["encrypted"]
    assert doc["carries"]["confidential"] >= 1 and doc["recipients"][0].startswith("age1")
    data = sealed.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    assert oc.CONFIDENTIAL_QUOTE.encode() not in data and b"SQLite format 3" not in data
    plain = t["out"] / "opened.gpkg"
    _age_decrypt(t, sealed, plain)
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", str(plain)], capture_output=True, text=True, check=True
    ).stdout
    assert "Layer name: statements" in info and oc.CONFIDENTIAL_QUOTE in info

    # A folder format is a zip of the folder, encrypted.
    csv = ["--format", "csv", "--out", str(t["out"] / "case")]
    assert _cli(t, *base, *csv, "--to", "bek@example.org", "--json") == 0
    sealed = Path(json.loads(capsys.readouterr().out)["path"])
    assert sealed.name == "case-internal-confidential-csv.zip.age"
    opened = t["out"] / "opened.zip"
    _age_decrypt(t, sealed, opened)
    with zipfile.ZipFile(opened) as z:
        names = z.namelist()
        assert "case-internal-confidential-csv/statements-internal-confidential.csv" in names
        text = z.read("case-internal-confidential-csv/statements-internal-confidential.csv")
    assert text.startswith(b"\xef\xbb\xbf") and oc.CONFIDENTIAL_QUOTE.encode() in text

    # KMZ streamed through age: a zip inside, that GDAL reads after age -d.
    kmz = ["--format", "kmz", "--out", str(t["out"] / "case.kmz")]
    assert _cli(t, *base, *kmz, "--to", t["bek_fingerprint"], "--json") == 0
    sealed = Path(json.loads(capsys.readouterr().out)["path"])
    opened = t["out"] / "opened.kmz"
    _age_decrypt(t, sealed, opened)
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(opened)], capture_output=True, text=True
    ).stdout
    assert "Layer name: photos" in info
    with zipfile.ZipFile(opened) as z:
        assert z.namelist()[0] == "doc.kml"
        assert sum(n.startswith("files/") and n.endswith(".jpg") for n in z.namelist()) == 2


def test_gis_plaintext_says_what_it_carries(two, capsys) -> None:
    t = two
    args = ["gis", "export", "--case", t["case"].case_id, "--format", "geojson"]
    # Without --include nothing sensitive is written: no question, no encryption.
    assert _cli(t, *args, "--out", str(t["out"] / "a"), "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["carries"]["sensitive"] is False and not doc["encrypted"]
    assert _cli(t, *args, "--out", str(t["out"] / "b"), "--include", "restricted",
                "--plaintext") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "carries      1 restricted statement; UNENCRYPTED (--plaintext)" in out
    # the old flag name still works
    assert _cli(t, *args, "--out", str(t["out"] / "c"), "--include", "confidential",
                "--allow-sensitive", "--json") == 0  # fmt: skip
    carries = json.loads(capsys.readouterr().out)["carries"]
    assert carries["description"] == "1 confidential statement, 1 restricted statement"


def test_report_encrypted_signature_covers_the_pdf_inside(two, capsys, tmp_path) -> None:
    t = two
    args = ["report", "--case", t["case"].case_id, "--include", "confidential"]
    out = ["--out", str(t["out"] / "case.pdf")]
    assert _cli(t, *args, *out) == 3
    assert "the report would carry" in capsys.readouterr().err
    assert list(t["out"].iterdir()) == []

    assert _cli(t, *args, *out, "--to", t["bek_fingerprint"], "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    sealed, sig = Path(doc["path"]), Path(doc["signature"])
    assert sealed.name == "case-internal-confidential.pdf.age"
    assert sig.name == "case-internal-confidential.pdf.sig" and sig.parent == sealed.parent
    assert doc["signature_covers"] == "the PDF inside the age file"
    assert b"%PDF" not in sealed.read_bytes()[:4096]
    pdf = t["out"] / "case-internal-confidential.pdf"
    _age_decrypt(t, sealed, pdf)  # beside its .sig, as the reader will have them
    import hashlib

    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == doc["sha256"]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert oc.CONFIDENTIAL_QUOTE in text
    person = t["ana"].get(t["ana"].person_id, "person")
    email = t["ana"].identity()["email"]
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{email} {person['public_key']}\n")
    verify = ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", email,
              "-n", "fieldkit-report@v1", "-s", str(sig)]  # fmt: skip
    assert subprocess.run(verify, input=pdf.read_bytes(), capture_output=True).returncode == 0
    # the signature is about the PDF, not the ciphertext
    assert subprocess.run(verify, input=sealed.read_bytes(), capture_output=True).returncode

    plain = ["--out", str(t["out"] / "plain.pdf"), "--plaintext"]
    assert _cli(t, *args, *plain) == 0
    text = capsys.readouterr().out
    assert "carries      1 confidential statement, 1 restricted statement" in text
    assert "UNENCRYPTED (--plaintext)" in text
