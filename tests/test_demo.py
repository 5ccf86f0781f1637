"""The demo store (no Qt): what a new user sees with `fieldkit gui --demo`."""

from __future__ import annotations

from fieldkit import keys
from fieldkit.demo import DEMO_PASSPHRASE, make_demo_store


def test_demo_store(tmp_path):
    store = make_demo_store(tmp_path / "demo", DEMO_PASSPHRASE)
    try:
        (case,) = store.find("case")
        assert case["title"].startswith("Cluster munition strikes on")
        sites = store.find("site")
        assert len(sites) == 3 and len({s["neighbourhood"] for s in sites}) == 3
        assert all(s["other_names"] for s in sites)
        assert {n["lang"] for s in sites for n in s["other_names"]} >= {"hy", "az"}
        assert sum(s["military_objects"] == "none_observed" for s in sites) == 2
        assert [s["access"] for s in sites].count("refused") == 1
        remnants = store.find("remnant")
        types = {(r.get("munition_type"), r["category"], r.get("condition")) for r in remnants}
        assert ("9M55K", "cargo_section", "exploded") in types
        assert ("9N235", "submunition", "dud") in types
        assert ("9N235", "submunition", "exploded") in types
        assert any(r["category"] == "crater" for r in remnants)
        woman, doctor = sorted(store.find("statement"), key=lambda s: s["witness_code"])
        assert woman["age"] == 69 and "69-year-old woman" in woman["role"]
        assert (woman["consent"], woman["sensitivity"]) == ("anonymous", "confidential")
        assert doctor["consent"] == "named" and "doctor" in doctor["role"]
        media = store.find("media")
        assert len(media) >= 6 and all(store.media.has(m["sha256"]) for m in media)
        assert store.count("link") == len(media)
        keys.unlock_signing_key(store.keys_dir, DEMO_PASSPHRASE)
        assert store.verify_chain() == []
    finally:
        store.close()
