"""The command line, run as a user would: JSON documents, exit codes, help text."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit.cli import build_parser
from fieldkit.store import Store
from tests.conftest import PASSPHRASE


def fk(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIELDKIT_PASSPHRASE": PASSPHRASE.decode()}
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _walk(parser: argparse.ArgumentParser, path: str = "fieldkit"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{path} {name}", helps.get(name), sub
                yield from _walk(sub, f"{path} {name}")


def test_every_command_has_help_text() -> None:
    commands = list(_walk(build_parser()))
    assert len(commands) > 30
    missing = [
        name
        for name, help_text, sub in commands
        if not help_text or not (sub.description or help_text)
    ]
    assert missing == []
    names = {c[0] for c in commands}
    for required in (
        "fieldkit init",
        "fieldkit case add",
        "fieldkit site list",
        "fieldkit remnant retract",
        "fieldkit statement show",
        "fieldkit log",
        "fieldkit keys show",
        "fieldkit inspect",
    ):
        assert required in names


def test_init_and_records_round_trip(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ident = json.loads(
        fk(
            home, "init", "--name", "Ana", "--email", "ana@example.org", "--org", "Team", "--json"
        ).stdout
    )
    assert ident["fingerprint"].startswith("SHA256:")
    assert oct((home / "keys" / "signing_key").stat().st_mode & 0o777) == "0o600"
    case = json.loads(fk(home, "case", "add", "--title", "Strikes", "--json").stdout)
    site = json.loads(
        fk(
            home,
            "site",
            "add",
            "--case",
            case["id"],
            "--name",
            "Market",
            "--other-names",
            "Bazar@az",
            "--lat",
            "39.8153",
            "--lon",
            "46.7519",
            "--position-source",
            "manual",
            "--military-objects",
            "none_observed",
            "--access",
            "refused",
            "--json",
        ).stdout
    )
    assert site["other_names"] == [{"name": "Bazar", "lang": "az"}]
    assert site["lat"] == 39.8153 and site["access"] == "refused"
    listed = json.loads(fk(home, "site", "list", "--case", case["id"], "--json").stdout)
    assert [s["id"] for s in listed["sites"]] == [site["id"]]
    remnant = json.loads(
        fk(
            home,
            "remnant",
            "add",
            "--site",
            site["id"],
            "--category",
            "submunition",
            "--munition-type",
            "9N235",
            "--condition",
            "dud",
            "--hazard",
            "yes",
            "--markings-lot",
            "12-88",
            "--json",
        ).stdout
    )
    statement = json.loads(
        fk(
            home,
            "statement",
            "add",
            "--case",
            case["id"],
            "--site",
            site["id"],
            "--witness-code",
            "W-001",
            "--age",
            "69",
            "--gender",
            "female",
            "--consent",
            "anonymous",
            "--sensitivity",
            "confidential",
            "--quotes",
            "We heard many small explosions.",
            "--json",
        ).stdout
    )
    assert statement["quotes"] == ["We heard many small explosions."]
    edited = json.loads(
        fk(
            home,
            "site",
            "edit",
            site["id"],
            "--killed",
            "2",
            "--clear",
            "position_source",
            "--json",
        ).stdout
    )
    assert edited["killed"] == 2 and edited["position_source"] is None
    fk(home, "remnant", "retract", remnant["id"], "--reason", "duplicate of another")
    assert json.loads(fk(home, "remnant", "list", "--json").stdout) == {"remnants": []}
    every = json.loads(fk(home, "remnant", "list", "--all", "--json").stdout)["remnants"]
    assert every[0]["retract_reason"] == "duplicate of another"
    log = json.loads(fk(home, "log", site["id"], "--json").stdout)["events"]
    assert [e["op"] for e in log] == ["create", "update"]
    assert log[0]["author_name"] == "Ana"
    chain = json.loads(fk(home, "chain", "--json").stdout)
    assert chain["ok"] is True
    cp = json.loads(fk(home, "checkpoint", "--json").stdout)
    assert cp["seq"] == len(json.loads(fk(home, "log", "--json").stdout)["events"])
    keys = json.loads(fk(home, "keys", "show", "--json").stdout)
    assert keys["fingerprint"] == ident["fingerprint"]


def test_errors_are_one_line_and_non_zero(store: Store) -> None:
    result = fk(store.home, "site", "add", "--case", "nope", "--name", "x", check=False)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith("fieldkit: ") and result.stderr.count("\n") == 1
    assert "site.case_id: 'nope' is not a record id" in result.stderr


def test_home_from_environment(store: Store, passphrase_env: bytes) -> None:
    env = {**os.environ, "FIELDKIT_HOME": str(store.home)}
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit", "case", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0 and json.loads(result.stdout) == {"cases": []}


def test_conflicts_and_resolve_from_the_cli(make_store) -> None:  # type: ignore[no-untyped-def]
    a, b = make_store("A"), make_store("B")
    case = a.create("case", {"title": "T"})
    site = a.create("site", {"case_id": case["id"], "name": "Market"})
    b.merge_events(list(a.iter_events()))
    a.update(site["id"], {"killed": 1})
    b.update(site["id"], {"killed": 2})
    a.merge_events(list(b.iter_events()))
    home = a.home
    conflicts = json.loads(fk(home, "conflicts", "--json").stdout)["conflicts"]
    assert [(c["id"], c["field"]) for c in conflicts] == [(site["id"], "killed")]
    shown = json.loads(fk(home, "site", "show", site["id"], "--json").stdout)
    assert shown["conflict"] is True
    fk(home, "site", "resolve", site["id"], "killed", "--value", "2")
    assert json.loads(fk(home, "conflicts", "--json").stdout) == {"conflicts": []}
    assert json.loads(fk(home, "site", "show", site["id"], "--json").stdout)["killed"] == 2


@pytest.mark.parametrize("query", ["9n2", "9M55", "dpicm", "rbk"])
def test_catalogue_search(query: str) -> None:
    from fieldkit import catalogue

    found = [m["designation"] for m in catalogue.search(query)]
    assert found
    expected = {"9n2": "9N210", "9M55": "9M55K", "dpicm": "M77", "rbk": "RBK-500"}[query]
    assert expected in found


def test_catalogue_covers_public_reporting_and_is_extendable(store: Store) -> None:
    from fieldkit import catalogue

    names = {m["designation"] for m in catalogue.entries()}
    for d in (
        "9M55K",
        "9M27K",
        "9N210",
        "9N235",
        "M26",
        "M77",
        "M85",
        "M095",
        "LAR-160",
        "RBK-500",
    ):
        assert d in names
    store.create(
        "munition",
        {
            "designation": "Type-X",
            "category": "submunition",
            "notes": "seen in the field, not yet identified",
        },
    )
    assert catalogue.search("type-x", store)[0]["source"] == "user"


def test_inspect_applies_the_stores_camera_corrections(
    store: Store, tmp_path: Path, passphrase_env: bytes
) -> None:
    import piexif
    from PIL import Image

    photo = tmp_path / "cam.jpg"
    exif = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"EOS 5D"},
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2020:10:09 14:02:11"},
        }
    )
    Image.new("RGB", (64, 48), "gray").save(photo, exif=exif)
    before = json.loads(fk(store.home, "inspect", str(photo), "--json").stdout)["files"][0]
    assert before["time"]["source"] == "unknown" and before["time"]["utc"] is None
    fk(
        store.home,
        "camera",
        "add",
        "--make",
        "Canon",
        "--model",
        "EOS 5D",
        "--clock-error-s",
        "3600",
        "--utc-offset",
        "+04:00",
    )
    after = json.loads(fk(store.home, "inspect", str(photo), "--json").stdout)["files"][0]
    assert after["time"]["source"] == "camera-correction"
    assert after["time"]["local"] == "2020-10-09T14:02:11"  # the camera's reading, kept
    assert after["time"]["utc"] == "2020-10-09T09:02:11Z"  # an hour fast, at +04:00
