"""Bad input gets a specific error and changes nothing."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit.errors import (
    NotFound,
    StoreError,
    StoreNotFound,
    ValidationError,
    WrongPassphrase,
)
from fieldkit.store import Store


def snapshot(home: Path) -> dict[str, str]:
    """Hash of every file under the store, with the WAL checkpointed into the database."""
    out = {}
    for p in sorted(home.rglob("*")):
        if p.is_file() and not p.name.endswith(("-wal", "-shm")):
            out[str(p.relative_to(home))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def state(store: Store) -> tuple[int, int, list[dict[str, object]]]:
    return (
        store.event_count(),
        len(store.checkpoints()),
        [dict(r) for r in store.db.query("SELECT * FROM sites ORDER BY id")],
    )


def run_cli(
    home: Path, *args: str, passphrase: str = "correct horse battery staple"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIELDKIT_PASSPHRASE": passphrase}
    return subprocess.run(
        [sys.executable, "-m", "fieldkit", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def site_store(store: Store) -> tuple[Store, str, str]:
    case = store.create("case", {"title": "T"})
    site = store.create("site", {"case_id": case["id"], "name": "Market"})
    return store, case["id"], site["id"]


def test_wrong_passphrase(site_store: tuple[Store, str, str]) -> None:
    store, _case, _site = site_store
    before = state(store)
    files = snapshot(store.home / "keys")
    with pytest.raises(WrongPassphrase) as exc:
        store.checkpoint(b"not the passphrase")
    assert "passphrase" in str(exc.value)
    assert state(store) == before
    assert snapshot(store.home / "keys") == files
    result = run_cli(store.home, "checkpoint", passphrase="wrong")
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "passphrase" in result.stderr
    assert state(store) == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lat": 200, "lon": 10}, "site.lat: 200 is outside -90..90"),
        ({"lat": 10, "lon": -181}, "site.lon: -181 is outside -180..180"),
        ({"visited_on": "25/11/2026"}, "site.visited_on: '25/11/2026' is not a date"),
        ({"incident_start": "yesterday"}, "site.incident_start: 'yesterday' is not an ISO"),
        ({"incident_start": "2020-10-09T14:00:00"}, "has no UTC offset"),
        ({"killed": -1}, "site.killed: -1 is below the minimum 0"),
        ({"killed": "many"}, "site.killed: 'many' is not a number"),
        ({"access": "maybe"}, "site.access: 'maybe' is not one of granted, refused"),
        ({"lat": 10}, "latitude and longitude go together"),
        ({"colour": "red"}, "site: unknown field 'colour'"),
        (
            {"incident_start": "2020-10-09T14:00:00Z", "incident_end": "2020-10-08T00:00:00Z"},
            "is after incident_end",
        ),
    ],
)
def test_invalid_values(
    site_store: tuple[Store, str, str], values: dict[str, object], message: str
) -> None:
    store, _case, site = site_store
    before = state(store)
    with pytest.raises(ValidationError) as exc:
        store.update(site, values)
    assert message in str(exc.value)
    assert state(store) == before


def test_validation_names_the_fields_at_fault() -> None:
    from fieldkit import records

    with pytest.raises(ValidationError) as exc:
        records.validate(records.SITE, {"lat": 200, "lon": 1}, partial=True)
    assert exc.value.fields == ("lat",)
    pair = {"incident_start": "2020-10-09T14:00:00Z", "incident_end": "2020-10-08T00:00:00Z"}
    with pytest.raises(ValidationError) as exc:
        records.validate(records.SITE, pair, partial=True)
    assert exc.value.fields == ("incident_start", "incident_end")


def test_invalid_values_on_create(site_store: tuple[Store, str, str]) -> None:
    store, case, _site = site_store
    before = state(store)
    with pytest.raises(ValidationError) as exc:
        store.create("site", {"case_id": case, "name": "X", "lat": 200, "lon": 1})
    assert "outside -90..90" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        store.create("site", {"case_id": case})
    assert "site.name is required" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        store.create(
            "statement",
            {"case_id": case, "witness_code": "W1", "consent": "named", "sensitivity": "secret"},
        )
    assert "statement.sensitivity: 'secret' is not one of" in str(exc.value)
    assert state(store) == before


def test_unknown_ids(site_store: tuple[Store, str, str]) -> None:
    store, _case, site = site_store
    before = state(store)
    missing = "0192a000-0000-7000-8000-000000000000"
    with pytest.raises(NotFound) as exc:
        store.update(missing, {"name": "x"})
    assert f"no record with id {missing}" in str(exc.value)
    with pytest.raises(NotFound):
        store.get("not-an-id")
    with pytest.raises(ValidationError) as exc2:
        store.create("site", {"case_id": missing, "name": "x"})
    assert f"site.case_id: no case with id {missing}" in str(exc2.value)
    with pytest.raises(ValidationError) as exc2:
        store.create("site", {"case_id": site, "name": "x"})
    assert "is a site, not a case" in str(exc2.value)
    assert state(store) == before
    result = run_cli(store.home, "site", "show", missing)
    assert result.returncode != 0 and f"no record with id {missing}" in result.stderr


def test_missing_home(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound) as exc:
        Store.open(tmp_path / "nowhere")
    assert "does not exist" in str(exc.value)
    assert not (tmp_path / "nowhere").exists()
    result = run_cli(tmp_path / "nowhere", "case", "list", "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "no store at" in result.stderr and "fieldkit init" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_read_only_home(site_store: tuple[Store, str, str]) -> None:
    store, case, _site = site_store
    home = store.home
    store.close()
    files = snapshot(home)
    mode = home.stat().st_mode
    os.chmod(home, stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(StoreError) as exc:
            Store.open(home)
        assert "read-only" in str(exc.value)
        result = run_cli(home, "site", "add", "--case", case, "--name", "New")
        assert result.returncode != 0 and "read-only" in result.stderr
    finally:
        os.chmod(home, mode)
    assert snapshot(home) == files


def test_init_refuses_an_existing_store(site_store: tuple[Store, str, str]) -> None:
    store, _case, _site = site_store
    result = run_cli(store.home, "init", "--name", "X", "--email", "x@y")
    assert result.returncode != 0 and "already holds a store" in result.stderr


def test_retracted_record_cannot_be_edited(site_store: tuple[Store, str, str]) -> None:
    store, _case, site = site_store
    store.retract(site, reason="duplicate")
    before = state(store)
    with pytest.raises(ValidationError) as exc:
        store.update(site, {"name": "again"})
    assert "is retracted" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        store.retract(site, reason="")
    assert state(store) == before
