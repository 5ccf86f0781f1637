"""Exported bundles checked with the auditor's own tools: sha256sum, ssh-keygen, bagit.py,
age and GDAL — FieldKit's verifier is not the judge of its own output here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyrage
import pytest

from fieldkit.bundle import export_bundle, verify_bundle
from fieldkit.cli import main as cli_main
from fieldkit.crypto import keys
from fieldkit.store import Store
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    TOOLS,
    allowed_signers_file,
    bag_folder_of_zip,
    check_with_tools,
    copy_store,
    needs,
    populate,
    run,
    templates,
)


@pytest.fixture(scope="module")
def exported(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("tools")
    store = copy_store(templates, "anna", root / "anna")
    data = populate(store)
    me = keys.load_public(store.keys_dir)
    folder = export_bundle(store, root / "bundle", passphrase=PASS, full=True, plaintext=True)
    zipped = export_bundle(
        store, root / "bundle-zip", passphrase=PASS, full=True, zip=True, plaintext=True
    )
    sealed = export_bundle(
        store,
        root / "sealed",
        passphrase=PASS,
        full=True,
        recipients=[str(me.age_recipient)],
        plaintext=True,
    )
    signers = allowed_signers_file(store, root / "allowed_signers")
    yield {
        "store": store,
        "root": root,
        "data": data,
        "folder": folder,
        "zip": zipped,
        "sealed": sealed,
        "signers": signers,
        "identity": me.identity,
    }
    store.close()


def test_folder_passes_sha256sum_ssh_keygen_and_bagit(exported: Any) -> None:
    bag = Path(exported["folder"].path)
    check_with_tools(bag, exported["signers"], exported["identity"])
    assert verify_bundle(bag, trust=exported["signers"]).ok


def test_zip_unzipped_passes_the_tools(exported: Any, tmp_path: Path) -> None:
    bag = bag_folder_of_zip(Path(exported["zip"].path), tmp_path / "x")
    assert bag.name == "bundle-zip"
    check_with_tools(bag, exported["signers"], exported["identity"])
    if Path("/usr/bin/unzip").exists():
        r = run(["unzip", "-tq", exported["zip"].path])
        assert r.returncode == 0, r.stdout + r.stderr


def test_media_are_byte_identical_originals(exported: Any) -> None:
    bag = Path(exported["folder"].path)
    for sha, data in exported["data"]["files"].items():
        assert (bag / "data" / "media" / sha[:2] / sha).read_bytes() == data


def test_journal_lines_hash_to_event_hashes(exported: Any) -> None:
    import hashlib

    bag = Path(exported["folder"].path)
    store: Store = exported["store"]
    (journal,) = (bag / "data" / "journal").glob("*.jsonl")
    lines = journal.read_bytes().splitlines()
    stored = [e.hash for e in store.iter_events(device=store.device_id)]
    assert [hashlib.sha256(line).hexdigest() for line in lines] == stored[: len(lines)]
    info = (bag / "bag-info.txt").read_text()
    assert f"FieldKit-Device: {store.device_id} 1-{len(lines)} {stored[len(lines) - 1]}" in info


@needs("age")
def test_age_cli_decrypts_to_a_signed_zip(exported: Any, tmp_path: Path) -> None:
    store: Store = exported["store"]
    identity = keys.unlock_age_identity(store.keys_dir, PASS)
    key_file = tmp_path / "key.txt"
    key_file.write_text(str(identity) + "\n")
    key_file.chmod(0o600)
    sealed = Path(exported["sealed"].path)
    assert sealed.name == "sealed.zip.age"
    plain = tmp_path / "sealed.zip"
    r = run(["age", "-d", "-i", str(key_file), "-o", str(plain), str(sealed)])
    assert r.returncode == 0, r.stderr
    ours = pyrage.decrypt(sealed.read_bytes(), [identity])
    assert plain.read_bytes() == ours
    assert verify_bundle(plain, trust=exported["signers"]).ok
    bag = bag_folder_of_zip(plain, tmp_path / "x")
    check_with_tools(bag, exported["signers"], exported["identity"])
    report = verify_bundle(sealed, trust=exported["signers"], age_identity=identity)
    assert report.ok, report.problems
    assert report.tagmanifest_sha256 == exported["sealed"].tagmanifest_sha256


def test_no_plaintext_left_next_to_the_encrypted_bundle(exported: Any) -> None:
    names = sorted(p.name for p in Path(exported["root"]).iterdir())
    assert "sealed.zip" not in names
    assert not [n for n in names if ".partial-" in n]


@needs("ogrinfo")
def test_ogrinfo_reads_sites_geojson(exported: Any) -> None:
    path = Path(exported["folder"].path) / "data" / "export" / "sites.geojson"
    r = run(["ogrinfo", "-ro", "-al", "-so", str(path)])
    assert r.returncode == 0, r.stderr
    assert b"Feature Count: 2" in r.stdout
    doc = json.loads(path.read_text())
    (located,) = [f for f in doc["features"] if f["geometry"]]
    assert located["geometry"]["coordinates"][:2] == [46.7519, 39.8153]  # lon, lat


def test_readme_names_the_three_commands(exported: Any) -> None:
    text = (Path(exported["folder"].path) / "data" / "export" / "README.txt").read_text()
    assert "sha256sum -c tagmanifest-sha256.txt" in text
    assert "sha256sum -c manifest-sha256.txt" in text
    assert "ssh-keygen -Y verify -f allowed_signers -I anna@example.org" in text


def test_media_csv_defuses_formulas(exported: Any) -> None:
    import csv

    text = (Path(exported["folder"].path) / "data" / "export" / "media.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 3
    assert all(r["path"].startswith("data/media/") for r in rows)


@needs("ssh-keygen")
def test_cli_round_trip_json_and_exit_codes(
    exported: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    store: Store = exported["store"]
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASS.decode())
    home = str(store.home)
    assert cli_main(["--home", home, "export", "--out", str(tmp_path / "b"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["bundle_id"].startswith("urn:uuid:") and len(doc["fingerprint"]) == 79
    assert cli_main(["--home", home, "verify", str(tmp_path / "b"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    # A verification on a store's machine is a custody event; --no-record leaves none.
    verified = [c for c in store.find("custody") if c["action"] == "verify"]
    assert [(c["bundle_id"], c["result"]) for c in verified] == [(doc["bundle_id"], "ok")]
    args = ["--home", home, "verify", str(tmp_path / "b"), "--no-record"]
    assert cli_main(args) == 0
    assert capsys.readouterr().out.startswith("OK")
    assert len([c for c in store.find("custody") if c["action"] == "verify"]) == 1
    # No store and no --trust: a valid signature nobody vouched for is a failure.
    nowhere = str(tmp_path / "nowhere")
    assert cli_main(["--home", nowhere, "verify", str(tmp_path / "b"), "--json"]) == 1
    out = capsys.readouterr()
    assert [p["code"] for p in json.loads(out.out)["problems"]] == ["untrusted"]
    assert out.err.count("\n") == 1
    signers = str(exported["signers"])
    assert cli_main(["--home", nowhere, "verify", str(tmp_path / "b"), "--trust", signers]) == 0


def test_bundle_commands_have_help() -> None:
    for command in ("export", "verify", "import"):
        r = subprocess.run(
            [sys.executable, "-m", "fieldkit", command, "--help"], capture_output=True, text=True
        )
        assert r.returncode == 0 and len(r.stdout) > 200, r.stderr


def test_a_decrypted_bundle_lives_only_in_a_private_folder_while_it_is_read(
    exported: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.zip.age`` is read from a plain copy (a zip needs random access): that copy is
    in a 0700 folder in ``$XDG_RUNTIME_DIR`` (memory), only while it is read; a folder a
    killed FieldKit process left there is removed by the next one."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    left = runtime / "fieldkit-open-999999999-killed"  # above any pid_max: no such process
    left.mkdir()
    (left / "bundle.zip").write_bytes(b"left by a process that was killed")
    store: Store = exported["store"]
    identity = keys.unlock_age_identity(store.keys_dir, PASS)
    seen: list[tuple[str, int, list[str]]] = []

    def peek(done: int, total: int, what: str = "") -> None:
        for folder in runtime.iterdir():
            mode = folder.stat().st_mode & 0o777
            seen.append((folder.name, mode, sorted(p.name for p in folder.iterdir())))

    report = verify_bundle(
        Path(exported["sealed"].path), trust=exported["signers"], age_identity=identity,
        progress=peek,
    )  # fmt: skip
    assert report.ok, report.problems
    assert not left.exists()
    ours = {(name, mode, tuple(files)) for name, mode, files in seen}
    assert ours and all(
        name.startswith(f"fieldkit-open-{os.getpid()}-")
        and mode == 0o700
        and files == ("bundle.zip",)
        for name, mode, files in ours
    ), ours
    assert list(runtime.iterdir()) == []  # removed when the reading ended
