"""Replaying the journal from empty gives exactly the current tables."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.store import Store
from tests.conftest import table_dump

# One operation: (verb, a choice index, a value index)
OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["case", "site", "remnant", "statement", "update", "link", "retract", "media"]
        ),
        st.integers(0, 1000),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=40,
)

NAMES = ["Market", "School", "Old bazaar", "Şuşa", "Шуши", "Ստեփանակերտ", "Khankendi"]


def apply_ops(store: Store, ops: list[tuple[str, int, int]]) -> None:
    ids: dict[str, list[str]] = {
        "case": [],
        "site": [],
        "remnant": [],
        "statement": [],
        "media": [],
    }
    for verb, a, b in ops:
        live = {k: [i for i in v if not store.get(i)["retracted"]] for k, v in ids.items()}
        if verb == "case" or not live["case"]:
            ids["case"].append(store.create("case", {"title": f"Case {a}"})["id"])
        elif verb == "site":
            ids["site"].append(
                store.create(
                    "site",
                    {
                        "case_id": live["case"][a % len(live["case"])],
                        "name": NAMES[b % len(NAMES)],
                        "other_names": [NAMES[(b + 1) % len(NAMES)] + "@az"],
                        "lat": (a % 180) - 90 + 0.5,
                        "lon": (b % 360) - 180 + 0.25,
                        "military_objects": ["none_observed", "present", "not_assessed"][b % 3],
                        "killed": b % 7,
                    },
                )["id"]
            )
        elif verb == "remnant" and live["site"]:
            ids["remnant"].append(
                store.create(
                    "remnant",
                    {
                        "site_id": live["site"][a % len(live["site"])],
                        "category": ["submunition", "rocket_motor", "crater"][b % 3],
                        "munition_type": ["9N235", "9M55K", "M77"][a % 3],
                        "condition": ["dud", "exploded"][b % 2],
                    },
                )["id"]
            )
        elif verb == "statement":
            ids["statement"].append(
                store.create(
                    "statement",
                    {
                        "case_id": live["case"][a % len(live["case"])],
                        "witness_code": f"W-{b:03d}",
                        "age": 69,
                        "consent": "anonymous",
                        "sensitivity": "confidential",
                        "quotes": ["We heard whistling, then many small explosions."],
                    },
                )["id"]
            )
        elif verb == "media":
            blob = store.media.put_bytes(f"photo {a} {b}".encode())
            existing = store.find("media", where={"sha256": blob.sha256})
            if not existing:
                ids["media"].append(
                    store.create(
                        "media",
                        {"sha256": blob.sha256, "file_name": f"IMG_{a}.JPG", "size": blob.size},
                    )["id"]
                )
        elif verb == "update" and live["site"]:
            target = live["site"][a % len(live["site"])]
            store.update(target, {"killed": b % 11, "description": f"note {b}"})
        elif verb == "link" and live["media"] and live["site"]:
            store.link(
                live["media"][a % len(live["media"])],
                live["site"][b % len(live["site"])],
                caption=f"caption {b}",
            )
        elif verb == "retract":
            pool = [i for k in ("site", "remnant", "statement") for i in live[k]]
            if pool:
                store.retract(pool[a % len(pool)], reason=f"duplicate entry {b}")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_rebuild_gives_identical_tables(
    make_store: Callable[..., Store], ops: list[tuple[str, int, int]]
) -> None:
    store = make_store("A")
    apply_ops(store, ops)
    before = table_dump(store)
    store.rebuild_projection()
    assert table_dump(store) == before
    assert store.verify_chain() == []


def test_rebuild_after_dropping_tables(store: Store) -> None:
    apply_ops(
        store,
        [
            ("case", 1, 1),
            ("site", 1, 2),
            ("site", 2, 3),
            ("update", 0, 5),
            ("media", 3, 3),
            ("link", 0, 0),
            ("retract", 0, 1),
        ],
    )
    before = table_dump(store)
    store.conn.execute("DROP TABLE sites")
    store.conn.execute("DELETE FROM meta WHERE key = 'projection'")
    home = store.home
    store.close()
    reopened = Store.open(home)  # notices the missing projection and replays
    try:
        assert table_dump(reopened) == before
    finally:
        reopened.close()
