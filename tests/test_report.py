"""The case report, checked with poppler (pdftotext, pdfimages, pdffonts) and ssh-keygen."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldkit.audience import Audience
from fieldkit.errors import Cancelled, WrongPassphrase
from fieldkit.progress import CancelToken
from fieldkit.report import REPORT_NAMESPACE, ReportError, write_report
from fieldkit.store import Store
from tests import outputs_case as oc
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (make system-deps)"
)


@pytest.fixture(scope="module")
def reports(
    store_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    root = tmp_path_factory.mktemp("report")
    home = root / "home"
    shutil.copytree(store_templates["A"], home)
    store = Store.open(home)
    case = oc.build_case(store, root, photos=3)
    out = {}
    for key, audience, folder in (
        ("internal", Audience(), "a"),
        ("again", Audience(), "b"),
        ("confidential", Audience(include="confidential"), "a"),
        ("public", Audience("public"), "a"),
    ):
        (root / folder).mkdir(exist_ok=True)
        out[key] = write_report(
            store,
            root / folder / "case.pdf",
            case_id=case.case_id,
            passphrase=PASSPHRASE,
            audience=audience,
            plaintext=True,
        )
    identity = store.identity()
    person = store.get(store.person_id, "person")
    store.close()
    return {"case": case, "out": out, "root": root, "identity": identity, "person": person}


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_text_holds_names_hashes_and_designations(reports: dict) -> None:
    result = reports["out"]["internal"]
    assert result.path.name == "case-internal.pdf"
    text = _text(result.path)
    for name in (oc.HY_NAME, oc.AZ_NAME, oc.RU_NAME, oc.GE_NAME, oc.SCHOOL_AZ, oc.SCHOOL_HY):
        assert name in text, name
    # Arabic is shaped and laid out right to left; pdftotext gives back the logical order.
    assert oc.AR_NAME in text
    for m in reports["case"].media:
        assert m["sha256"] in text
    assert "9N235" in text and "9M55K" in text
    assert "Fragmentation submunition" in text  # the catalogue's description
    assert reports["identity"]["fingerprint"] in text
    assert "INTERNAL" in text.split("\n", 3)[0]  # the first page says the audience


def test_confidential_text_only_when_included(reports: dict) -> None:
    internal = _text(reports["out"]["internal"].path)
    included = _text(reports["out"]["confidential"].path)
    public = _text(reports["out"]["public"].path)
    for quote in (oc.CONFIDENTIAL_QUOTE, oc.RESTRICTED_QUOTE):
        assert quote not in internal and quote not in public
        assert quote in included
    assert oc.PUBLIC_QUOTE in internal and oc.PUBLIC_QUOTE in public
    assert "Text withheld: confidential" in internal


def test_public_report_follows_the_release_rules(reports: dict) -> None:
    text = _text(reports["out"]["public"].path)
    data = reports["out"]["public"].path.read_bytes()
    assert reports["out"]["public"].path.name == "case-public.pdf"
    assert "PUBLIC" in text.split("\n", 3)[0]
    for secret in ("W-001", "W-002", "W-003", oc.INTERVIEWER, oc.SERIAL, oc.WITHDRAWN_QUOTE):
        assert secret not in text
    for m in reports["case"].media:
        assert m["sha256"] not in text and m["file_name"] not in text
        assert m["sha256"].encode() not in data
    assert "Witness 2" in text  # "Witness 1" is an internal code here, so it is skipped
    # the investigator is not named in a public report; the organisation signs for it
    assert reports["identity"]["email"] not in text and reports["identity"]["name"] not in text
    assert "generalised to a 100 m grid" in text


def test_photos_embedded_as_scaled_copies(reports: dict) -> None:
    listing = subprocess.run(
        ["pdfimages", "-list", str(reports["out"]["internal"].path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    photos = [r for r in rows if r[8] == "jpeg"]  # a static map, when there is one, is PNG
    assert len(photos) == 3
    assert all(r[2] == "image" and max(int(r[3]), int(r[4])) <= 640 for r in photos)
    public = subprocess.run(
        ["pdfimages", "-list", str(reports["out"]["public"].path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert len(public.splitlines()[2:]) == 2  # only the two photos marked for release


def test_every_font_embedded(reports: dict) -> None:
    listing = subprocess.run(
        ["pdffonts", str(reports["out"]["internal"].path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    rows = listing.splitlines()[2:]
    families = " ".join(rows)
    for family in ("NotoSans", "NotoSansArmenian", "NotoSansGeorgian", "NotoSansArabic"):
        assert family in families
    for row in rows:
        emb = re.search(r"Identity-H\s+(\w+)\s+(\w+)", row)
        assert emb and emb.group(1) == "yes", row


def test_ssh_keygen_accepts_the_signature(reports: dict, tmp_path: Path) -> None:
    result = reports["out"]["internal"]
    email = reports["identity"]["email"]
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"{email} {reports['person']['public_key']}\n")
    cmd = [
        "ssh-keygen",
        "-Y",
        "verify",
        "-f",
        str(allowed),
        "-I",
        email,
        "-n",
        REPORT_NAMESPACE,
        "-s",
        str(result.signature),
    ]
    ok = subprocess.run(cmd, input=result.path.read_bytes(), capture_output=True)
    assert ok.returncode == 0, ok.stderr
    flipped = bytearray(result.path.read_bytes())
    flipped[len(flipped) // 2] ^= 1
    bad = subprocess.run(cmd, input=bytes(flipped), capture_output=True)
    assert bad.returncode != 0
    wrong_ns = [*cmd[:7], "fieldkit-bundle@v1", *cmd[8:]]
    assert subprocess.run(wrong_ns, input=result.path.read_bytes(), capture_output=True).returncode


def test_two_runs_give_identical_bytes(reports: dict) -> None:
    a, b = reports["out"]["internal"], reports["out"]["again"]
    assert a.path != b.path
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.signature.read_bytes() == b.signature.read_bytes()
    assert a.as_of and a.as_of in _text(a.path)


def test_refusals_leave_nothing(make_store: Callable[..., Store], tmp_path: Path) -> None:
    store = make_store()
    case = oc.build_case(store, tmp_path, photos=2)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(WrongPassphrase):
        write_report(store, out / "r.pdf", case_id=case.case_id, passphrase=b"wrong words here")
    token = CancelToken()

    def cancel_on_photos(done: int, total: int, message: str) -> None:
        if message == "photos":
            token.cancel()

    with pytest.raises(Cancelled):
        write_report(
            store,
            out / "r.pdf",
            case_id=case.case_id,
            passphrase=PASSPHRASE,
            progress=cancel_on_photos,
            cancel=token,
        )
    assert list(out.iterdir()) == []
    from fieldkit.disclosure import DisclosureRefused

    with pytest.raises(DisclosureRefused):
        write_report(
            store,
            out / "r.pdf",
            case_id=case.case_id,
            passphrase=PASSPHRASE,
            audience=Audience(include="restricted"),
        )
    (out / "r-internal.pdf.sig").write_text("x")
    with pytest.raises(ReportError):
        write_report(store, out / "r.pdf", case_id=case.case_id, passphrase=PASSPHRASE)


def test_serial_and_pooled_photos_give_the_same_bytes(
    make_store: Callable[..., Store], tmp_path: Path
) -> None:
    """The scaled copies are made ahead by threads; the serial mode gives the same PDF."""
    from fieldkit.audience import build_view
    from fieldkit.report import render_report

    store = make_store()
    case = oc.build_case(store, tmp_path, photos=3)
    view = build_view(store, Audience(), case_id=case.case_id)
    serial = render_report(store, view, workers=0)
    pooled = render_report(store, view, workers=2)
    assert serial[1] == pooled[1] == 3 and bytes(serial[0]) == bytes(pooled[0])
