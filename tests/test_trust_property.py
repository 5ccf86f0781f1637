"""Issue 9's property: whatever a trusted colleague's bundle carries about *another*
device, that device's genuine bundle imported afterwards merges completely.

Three devices (Anna, Bob, Mallory) and one coordinator (Carol), who trusts all three.
Mallory's bundle carries, about Anna's or Bob's device, one of: a chain forged from
seq 1 under its id; an honest relay of a genuine prefix (with the victim's own
checkpoint); a genuine prefix with a forged continuation; the genuine chain with one
event altered; the genuine chain with checkpoints re-signed by Mallory. Then the victim's
genuine full bundle must merge completely, Carol's chain stays clean and her next export
verifies. Hypothesis picks the victim, the attack and where it cuts.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit import journal
from fieldkit.bundle import export_bundle, import_bundle, verify_bundle
from fieldkit.crypto import keys, namespaces, sshsig, trustlist
from fieldkit.ids import new_id
from fieldkit.journal import Event, make_event
from fieldkit.store import Store
from tests.conftest import remember_template
from tests.test_bundle_support import PASS, copy_store, templates  # noqa: F401 - a fixture

ATTACKS = ("forged-from-1", "honest-prefix", "forged-continuation", "altered", "resigned")


def _sign(store: Store, key: Any, device: str, event: Event) -> dict[str, Any]:
    payload = journal.checkpoint_payload(device, event.seq, event.hash, event.hlc)
    return {
        "device": device,
        "seq": event.seq,
        "head": event.hash,
        "hlc": event.hlc,
        "signature": sshsig.sign(key, payload, namespaces.CHECKPOINT_NAMESPACE),
    }


def _plant(store: Store, events: list[Event], checkpoints: list[dict[str, Any]]) -> None:
    with store.transaction():
        for event in events:
            store._insert_event(event)
        for cp in checkpoints:
            store.conn.execute(
                "INSERT OR REPLACE INTO checkpoints (device, seq, head, hlc, signature) "
                "VALUES (:device, :seq, :head, :hlc, :signature)",
                cp,
            )


def _rechain(events: list[Event], mallory: Store, *, start: Event | None = None) -> list[Event]:
    """Events re-linked into a chain after ``start`` (their bodies kept, author Mallory's)."""
    out: list[Event] = []
    prev = start
    for e in events:
        body = dict(e.body)
        body["seq"] = (prev.seq + 1) if prev else 1
        body["prev"] = prev.hash if prev else None
        body["author"] = mallory.fingerprint
        made = make_event(body)
        out.append(made)
        prev = made
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, templates: Mapping[str, Path]) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("trust-property")
    homes: dict[str, Path] = {}
    for who in ("anna", "bob", "mallory", "carol"):
        with copy_store(templates, who, root / who) as made:  # this module's own devices
            remember_template(root / who, made)
        homes[who] = root / who
    victims: dict[str, Any] = {}
    for who in ("anna", "bob"):
        store = Store.open(homes[who])
        key = keys.unlock_signing_key(store.keys_dir, PASS)
        case = store.create("case", {"title": f"{who}'s case"})
        store.checkpoint(key=key)
        site = store.create("site", {"case_id": case["id"], "name": f"{who}'s site"})
        store.checkpoint(key=key)
        store.update(site["id"], {"killed": 2, "description": "north side"})
        store.checkpoint(key=key)
        store.create("remnant", {"site_id": site["id"], "category": "fuze"})
        store.checkpoint(key=key)
        events = list(store.iter_events(device=store.device_id))
        genuine = Path(
            export_bundle(store, root / f"genuine-{who}", passphrase=PASS, full=True).path
        )
        victims[who] = {
            "device": store.device_id,
            "events": events,
            "checkpoints": store.checkpoints(store.device_id),
            "bundle": genuine,
        }
        store.close()
    yield {"root": root, "homes": homes, "victims": victims}


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    victim=st.sampled_from(["anna", "bob"]),
    attack=st.sampled_from(ATTACKS),
    cut=st.integers(min_value=1, max_value=5),
)
def test_a_devices_genuine_bundle_merges_whatever_a_colleague_sent(
    world: Any, tmp_path_factory: pytest.TempPathFactory, victim: str, attack: str, cut: int
) -> None:
    work = tmp_path_factory.mktemp("example")
    homes = world["homes"]
    v = world["victims"][victim]
    mallory = copy_store({"m": homes["mallory"]}, "m", work / "mallory")
    carol = copy_store({"c": homes["carol"]}, "c", work / "carol")
    try:
        for who in ("anna", "bob", "mallory"):
            trustlist.trust(carol.keys_dir, trustlist.export_public(homes[who] / "keys"))
        key = keys.unlock_signing_key(mallory.keys_dir, PASS)
        genuine: list[Event] = v["events"]
        device = v["device"]
        k = min(cut, len(genuine) - 1)
        own_cps = [cp for cp in v["checkpoints"] if cp["seq"] <= k]
        if attack == "forged-from-1":
            planted = [
                make_event(
                    {
                        **genuine[0].body,
                        "id": new_id(),
                        "entity": new_id(),
                        "fields": {"title": f"forged {i}"},
                        "kind": "case",
                        "op": "create",
                    }
                )
                for i in range(k)
            ]
            events = _rechain(planted, mallory)
            cps = [_sign(mallory, key, device, events[-1])]
        elif attack == "honest-prefix":
            events = genuine[: max(cp["seq"] for cp in own_cps)] if own_cps else genuine[:1]
            cps = own_cps or [_sign(mallory, key, device, events[-1])]
        elif attack == "forged-continuation":
            prefix = genuine[:k]
            tail = _rechain(
                [make_event({**genuine[k].body, "fields": {"title": "planted"}})],
                mallory,
                start=prefix[-1],
            )
            events = prefix + tail
            cps = [*own_cps, _sign(mallory, key, device, tail[-1])]
        elif attack == "altered":
            changed = dict(genuine[k].body)
            changed["fields"] = {**changed.get("fields", {}), "description": "altered"}
            events = genuine[:k] + _rechain([make_event(changed), *genuine[k + 1 :]], mallory,
                                            start=genuine[k - 1])  # fmt: skip
            cps = [_sign(mallory, key, device, events[-1])]
        else:  # resigned
            events = list(genuine)
            cps = [_sign(mallory, key, device, events[-1])]
        _plant(mallory, events, cps)
        sent = Path(export_bundle(mallory, work / "from-mallory", passphrase=PASS, full=True).path)
        first = import_bundle(carol, sent)
        if attack != "honest-prefix":
            assert not first.merged, (attack, first.to_json())
        held = {e.hash for e in carol.iter_events(device=device)}
        assert held <= {e.hash for e in genuine}, "a forged event of the victim's device merged"
        after = import_bundle(carol, v["bundle"])
        assert after.ok, (attack, cut, [str(p) for p in after.problems])
        assert {e.hash for e in carol.iter_events(device=device)} == {e.hash for e in genuine}
        assert carol.verify_chain() == []
        nxt = Path(export_bundle(carol, work / "next", passphrase=PASS, full=True).path)
        assert verify_bundle(nxt, keys_dir=carol.keys_dir).ok
    finally:
        mallory.close()
        carol.close()
        shutil.rmtree(work, ignore_errors=True)
