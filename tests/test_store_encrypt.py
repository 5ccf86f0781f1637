"""`fieldkit store encrypt` on an unencrypted store (the layout every earlier FieldKit made):
everything survives, plaintext goes only after the switch, and SIGKILL at any moment
leaves a store that opens (old or new) and a re-run that finishes."""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from pathlib import Path

import pytest

from fieldkit.atrest import is_encrypted_home, keyring
from fieldkit.atrest.convert import encrypt_store, plaintext_left
from fieldkit.crypto import trustlist
from fieldkit.errors import StoreLocked, WrongPassphrase
from fieldkit.ingest import import_media
from fieldkit.store import Store
from tests.conftest import CORPUS, PASSPHRASE, record_dump
from tests.zygote import Child, Zygote


def _photos(n: int) -> list[Path]:
    found = [p for p in sorted(CORPUS.rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg")]
    found = [p for p in found if 20_000 < p.stat().st_size < 3_000_000]
    if len(found) < n:
        pytest.skip("the shared photo corpus is not here")
    return found[:n]


def _plain_store(home: Path, colleague_keys: Path, photos: list[Path]) -> dict[str, object]:
    """A store as the current release makes it (unencrypted), with records, photos, trust."""
    with Store.init(
        home, name="Ana", email="ana@example.org", passphrase=PASSPHRASE, encrypted=False
    ) as store:
        case = store.create("case", {"title": "Strikes"})
        site = store.create("site", {"case_id": case["id"], "name": "Market", "lat": 1, "lon": 2})
        store.create(
            "statement",
            {
                "case_id": case["id"],
                "witness_code": "W-1",
                "consent": "anonymous",
                "sensitivity": "confidential",
                "quotes": ["We heard whistling."],
            },
        )
        import_media(store, photos, site_id=site["id"], serial=True)
        trustlist.trust(
            store.keys_dir, trustlist.export_public(colleague_keys), identity="bek@example.org"
        )
        store.checkpoint(PASSPHRASE)
        return {
            "records": record_dump(store),
            "events": [e.hash for e in store.iter_events()],
            "shas": sorted(m["sha256"] for m in store.find("media")),
            "trust": (home / "keys" / "allowed_signers").read_bytes(),
        }


@pytest.fixture(scope="module")
def plain_template(tmp_path_factory, store_templates) -> tuple[Path, dict[str, object]]:
    home = tmp_path_factory.mktemp("plain") / "store"
    return home, _plain_store(home, store_templates["B"] / "keys", _photos(3))


def _check_encrypted(home: Path, before: dict[str, object]) -> None:
    keyring.forget(home)
    assert is_encrypted_home(home)
    assert plaintext_left(home) == 0
    assert (home / "fieldkit.db").read_bytes()[:16] != b"SQLite format 3\0"
    with pytest.raises(StoreLocked):
        Store.open(home)
    with Store.open(home, passphrase=PASSPHRASE) as store:
        assert record_dump(store) == before["records"]
        assert [e.hash for e in store.iter_events()] == before["events"]
        assert not store.verify_chain()
        for sha in before["shas"]:  # type: ignore[attr-defined]
            data = store.media.read_original(sha)
            assert hashlib.sha256(data).hexdigest() == sha
            assert sha not in store.media.path_of(sha).name
    assert (home / "keys" / "allowed_signers").read_bytes() == before["trust"]
    keyring.forget(home)


def test_encrypt_keeps_everything(tmp_path, plain_template):
    template, before = plain_template
    home = tmp_path / "store"
    shutil.copytree(template, home)
    codes: list[str] = []
    with pytest.raises(WrongPassphrase):
        encrypt_store(home, b"wrong")
    assert not is_encrypted_home(home)
    report = encrypt_store(home, PASSPHRASE, on_recovery_code=codes.append)
    assert report.originals_sealed == 3 and report.plaintext_removed >= 3
    assert len(codes) == 1 and report.recovery_code == codes[0]
    _check_encrypted(home, before)
    again = encrypt_store(home, PASSPHRASE)
    assert again.already_encrypted


def test_cli_store_encrypt(tmp_path, plain_template, monkeypatch, capsys):
    from fieldkit.cli import main

    template, before = plain_template
    home = tmp_path / "store"
    shutil.copytree(template, home)
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASSPHRASE.decode())
    assert main(["--home", str(home), "store", "encrypt"]) == 0
    out = capsys.readouterr().out
    assert "RECOVERY CODE" in out and "Encrypted: the database, 3 originals" in out
    _check_encrypted(home, before)


@pytest.mark.slow
def test_sigkill_at_twenty_moments(tmp_path, plain_template):
    """SIGKILL `fieldkit store encrypt` at 20 random moments; each time the store opens
    (unencrypted, or encrypted), and a re-run completes with everything intact."""
    template, before = plain_template
    env = {"FIELDKIT_PASSPHRASE": PASSPHRASE.decode()}
    # Each run is a fresh `fieldkit` process forked from one that has imported FieldKit
    # (so the kills land in the work, not in Python's start-up), killed with SIGKILL.
    with Zygote(["fieldkit.cli", "fieldkit.atrest.convert"]) as fieldkit:

        def encrypt(home: Path) -> Child:
            return fieldkit.module(
                "fieldkit", "--home", str(home), "store", "encrypt", "--json", env=env
            )

        # How long a full run takes here, to spread the kills over it.
        probe = tmp_path / "probe"
        shutil.copytree(template, probe)
        started = time.monotonic()
        _, err = (run := encrypt(probe)).communicate()
        assert run.returncode == 0, err
        span = time.monotonic() - started
        rng = random.Random(11)
        outcomes = {"old": 0, "new": 0}
        for i in range(20):
            home = tmp_path / f"s{i}"
            shutil.copytree(template, home)
            proc = encrypt(home)
            time.sleep(rng.uniform(0.2, span))
            proc.kill()
            proc.wait()
            proc.close()
            keyring.forget(home)
            if is_encrypted_home(home):
                outcomes["new"] += 1
                Store.open(home, passphrase=PASSPHRASE).close()
            else:
                outcomes["old"] += 1
                with Store.open(home) as store:  # the old, unencrypted store, as it was
                    assert record_dump(store) == before["records"]
                    for sha in before["shas"]:  # type: ignore[attr-defined]
                        assert store.media.check(sha)
            keyring.forget(home)
            _, err = (rerun := encrypt(home)).communicate()
            assert rerun.returncode == 0, err
            _check_encrypted(home, before)
            shutil.rmtree(home)
    print(f"SIGKILL outcomes over {span:.1f} s runs: {outcomes}")
