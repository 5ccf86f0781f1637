"""The demo store (no Qt): what a new user sees with `fieldkit gui --demo`."""

from __future__ import annotations

from fieldkit.bundle import verify_bundle
from fieldkit.crypto import keys
from fieldkit.demo import DEMO_PASSPHRASE, colleague_bundle_path, make_demo_store


def test_demo_store(tmp_path):
    home = tmp_path / "demo" / "store"
    store = make_demo_store(home, DEMO_PASSPHRASE, colleague=True)
    try:
        (case,) = store.find("case")
        assert case["title"].startswith("Cluster munition strikes on")
        sites = store.find("site")
        assert len(sites) == 12 and len({s["neighbourhood"] for s in sites}) == 3
        assert all(s["other_names"] for s in sites)
        assert {n["lang"] for s in sites for n in s["other_names"]} >= {"hy", "az"}
        assert sum(s["military_objects"] == "none_observed" for s in sites) == 11
        assert [s["access"] for s in sites].count("refused") == 1
        remnants = store.find("remnant")
        assert 35 <= len(remnants) <= 45
        types = {(r.get("munition_type"), r["category"], r.get("condition")) for r in remnants}
        assert ("9M55K", "cargo_section", "exploded") in types
        assert ("9N235", "submunition", "dud") in types
        assert ("9N235", "submunition", "exploded") in types
        assert any(r["category"] == "crater" for r in remnants)
        statements = sorted(store.find("statement"), key=lambda s: s["witness_code"])
        assert len(statements) == 8
        assert len({(s["consent"], s["sensitivity"]) for s in statements}) >= 5
        woman, doctor = statements[:2]
        assert woman["age"] == 69 and "69-year-old woman" in woman["role"]
        assert (woman["consent"], woman["sensitivity"]) == ("anonymous", "confidential")
        assert doctor["consent"] == "named" and "doctor" in doctor["role"]
        media = store.find("media")
        assert len(media) == 60 and all(store.media.has(m["sha256"]) for m in media)
        assert all(m["lat"] is not None and m["direction"] is not None for m in media)
        assert len({m["direction"] for m in media}) > 10
        assert store.count("link") == len(media)
        # One field two investigators changed differently, to resolve.
        (conflict,) = store.all_conflicts()
        assert (conflict["kind"], conflict["field"]) == ("site", "injured")
        assert {c["value"] for c in conflict["candidates"]} == {3, 5}
        # A second investigator's bundle waits to be imported, signed by a trusted key.
        bundle = colleague_bundle_path(home)
        report = verify_bundle(bundle, trust=store.keys_dir)
        assert report.ok, report.problems
        assert sorted(p.name for p in bundle.parent.iterdir()) == ["colleague-bundle.zip", "store"]
        keys.unlock_signing_key(store.keys_dir, DEMO_PASSPHRASE)
        assert store.verify_chain() == []
    finally:
        store.close()
