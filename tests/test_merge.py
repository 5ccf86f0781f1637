"""Merge properties with simulated devices exchanging events through the core API."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from fieldkit.store import Store
from tests.conftest import record_dump


def send(src: Store, dst: Store, since: dict[str, int] | None = None):
    return dst.merge_events(list(src.iter_events(since)), checkpoints=src.checkpoints())


@pytest.fixture
def trio(make_store: Callable[..., Store]) -> tuple[Store, Store, Store]:
    return make_store("A"), make_store("B"), make_store("C")


def _shared_site(a: Store, b: Store) -> str:
    case = a.create("case", {"title": "Cluster strikes, autumn 2020"})
    site = a.create(
        "site",
        {"case_id": case["id"], "name": "Market square", "military_objects": "none_observed"},
    )
    send(a, b)
    return str(site["id"])


def test_import_is_idempotent(trio: tuple[Store, Store, Store]) -> None:
    a, _b, c = trio
    _shared_site(a, c)
    first = record_dump(c)
    again = send(a, c)
    assert again.new_events == 0
    assert again.already_present == a.event_count()
    assert again.problems == []
    assert record_dump(c) == first


def test_concurrent_edits_are_kept_and_flagged(trio: tuple[Store, Store, Store]) -> None:
    a, b, c = trio
    site_id = _shared_site(a, b)
    a.update(site_id, {"killed": 3, "description": "north side"})
    b.update(site_id, {"killed": 4})
    report_a = send(a, c)
    report_b = send(b, c)
    assert report_a.problems == [] and report_b.problems == []
    record = c.get(site_id)
    assert record["conflict"] is True
    values = sorted(x["value"] for x in record["conflicts"]["killed"])
    assert values == [3, 4]
    assert c.conflict_count() == len(c.all_conflicts()) == 1
    # Only the field both changed is in conflict; the other edit simply applies.
    assert set(record["conflicts"]) == {"killed"}
    assert record["description"] == "north side"
    assert record["killed"] in (3, 4)
    assert [(x["id"], x["field"], sorted(x["values"])) for x in report_b.conflicts] == [
        (site_id, "killed", [3, 4])
    ]


def test_sequential_edits_are_not_conflicts(trio: tuple[Store, Store, Store]) -> None:
    a, b, c = trio
    site_id = _shared_site(a, b)
    b.update(site_id, {"killed": 4})
    send(b, a)
    a.update(site_id, {"killed": 5})  # A saw B's edit: a later edit, not a conflict
    send(a, c)
    send(b, c)
    assert c.get(site_id)["killed"] == 5
    assert c.all_conflicts() == []


def test_resolve_clears_the_flag_everywhere(trio: tuple[Store, Store, Store]) -> None:
    a, b, c = trio
    site_id = _shared_site(a, b)
    a.update(site_id, {"access": "granted"})
    b.update(site_id, {"access": "refused"})
    send(a, c)
    send(b, c)
    assert c.get(site_id)["conflict"]
    c.resolve(site_id, "access", "refused")
    resolved = c.get(site_id)
    assert resolved["conflict"] is False and resolved["access"] == "refused"
    assert c.all_conflicts() == []
    # The resolution travels: A, which had the conflict too after seeing B, converges.
    send(b, a)
    assert a.get(site_id)["conflict"] is True
    send(c, a)
    assert a.get(site_id)["conflict"] is False
    assert a.get(site_id)["access"] == "refused"


def test_any_order_gives_the_same_tables(make_store: Callable[..., Store]) -> None:
    a, b, c = make_store("A"), make_store("B"), make_store("C")
    site_id = _shared_site(a, b)
    a.update(site_id, {"killed": 1, "injured": 2})
    b.update(site_id, {"killed": 9})
    b.retract(b.create("case", {"title": "Wrong case"})["id"], reason="created by mistake")
    send(a, b)
    c.create("camera", {"make": "Apple", "model": "iPhone 13 Pro", "clock_error_s": 63})
    bundles = [list(s.iter_events()) for s in (a, b, c)]
    checkpoints = [s.checkpoints() for s in (a, b, c)]
    dumps = []
    for n, order in enumerate(itertools.permutations(range(3))):
        target = make_store("D", name=f"perm-{n}")
        for i in order:
            target.merge_events(bundles[i], checkpoints=checkpoints[i])
        dumps.append(record_dump(target))
        assert target.verify_chain() == []
    assert all(d == dumps[0] for d in dumps[1:])


def test_retraction_keeps_the_evidence(store: Store) -> None:
    case = store.create("case", {"title": "T"})
    site = store.create("site", {"case_id": case["id"], "name": "Crater near school"})
    blob = store.media.put_bytes(b"\xff\xd8 not really a jpeg")
    media = store.create("media", {"sha256": blob.sha256, "file_name": "a.jpg"})
    store.link(media["id"], site["id"])
    store.retract(site["id"], reason="same place as another site")
    assert store.find("site") == []
    kept = store.find("site", include_retracted=True)
    assert kept[0]["retract_reason"] == "same place as another site"
    assert [e["op"] for e in store.history(site["id"]) if e["entity"] == site["id"]] == [
        "create",
        "retract",
    ]
    assert store.media.has(blob.sha256)


def test_fork_gap_and_foreign_own_chain_are_refused(trio: tuple[Store, Store, Store]) -> None:
    a, _b, c = trio
    for i in range(4):
        a.create("case", {"title": f"case {i}"})
    events = list(a.iter_events())
    # A gap: seq 3 missing.
    report = c.merge_events([e for e in events if e.seq != 3])
    assert any("gap" in p.message and "seq 2 to 4" in p.message for p in report.problems)
    assert c.chain_heads()[a.device_id][0] == 2
    # A fork: another event at seq 3 signed as the same device.
    import json

    from fieldkit.journal import make_event

    forged = dict(events[2].body)
    forged["fields"] = {"title": "forged"}
    report = c.merge_events([*events[:2], make_event(forged)])
    assert report.problems == [] and report.new_events == 1  # alone, a forgery looks valid
    report = c.merge_events(events)  # the genuine seq 3 now forks
    assert any("fork" in p.message and "seq 3" in p.message for p in report.problems), (
        report.problems
    )
    # Events that claim to be the receiver's own device are refused.
    own = [e for e in c.iter_events() if e.device == c.device_id]
    body = dict(
        own[-1].body,
        seq=own[-1].seq + 1,
        prev=own[-1].hash,
        id="0192a000-0000-7000-8000-000000000000",
    )
    report = c.merge_events([make_event(body)])
    assert any("own" in p.message for p in report.problems)
    assert json.dumps(report.to_json())
