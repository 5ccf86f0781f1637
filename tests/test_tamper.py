"""Chain verification finds any edited byte, reordering, dropping or duplication."""

from __future__ import annotations

import random

import pytest

from fieldkit.store import Store


@pytest.fixture
def busy(store: Store) -> Store:
    case = store.create("case", {"title": "Strikes on the old town"})
    for i in range(6):
        site = store.create("site", {"case_id": case["id"], "name": f"Site {i}"})
        store.update(site["id"], {"killed": i})
    return store


def _rows(store: Store) -> list[tuple[str, int, str, bytes]]:
    return [
        (d, s, h, bytes(b))
        for d, s, h, b in store.conn.execute(
            "SELECT device, seq, hash, data FROM events ORDER BY device, seq"
        )
    ]


def test_untouched_chain_verifies(busy: Store) -> None:
    assert busy.verify_chain() == []


def test_sampled_byte_flips_in_every_stored_event_are_detected(busy: Store) -> None:
    rng = random.Random(7)
    rows = _rows(busy)
    assert len(rows) >= 14
    checked = 0
    for device, seq, h, data in rows:
        positions = sorted(rng.sample(range(len(data)), min(12, len(data))))
        for pos in positions:
            flipped = bytearray(data)
            flipped[pos] ^= 1 << rng.randrange(8)
            busy.conn.execute("UPDATE events SET data = ? WHERE hash = ?", (bytes(flipped), h))
            problems = busy.verify_chain(check_checkpoints=False)
            busy.conn.execute("UPDATE events SET data = ? WHERE hash = ?", (data, h))
            assert problems, f"flip at byte {pos} of seq {seq} went unnoticed"
            first = problems[0]
            assert first.device == device and first.seq == seq
            assert "content changed" in first.message
            checked += 1
    assert checked > 150
    assert busy.verify_chain() == []


def test_edited_hash_column_is_detected(busy: Store) -> None:
    _device, seq, h, _data = _rows(busy)[4]
    busy.conn.execute("UPDATE events SET hash = ? WHERE hash = ?", ("0" * 64, h))
    problems = busy.verify_chain(check_checkpoints=False)
    assert any(p.seq == seq and p.code == "edited" for p in problems)
    assert any(p.seq == seq + 1 and p.code == "broken-link" for p in problems)


def test_reordering_is_detected(busy: Store) -> None:
    rows = _rows(busy)
    (_d, s1, h1, _), (_d2, s2, h2, _) = rows[5], rows[6]
    busy.conn.execute("UPDATE events SET seq = -1 WHERE hash = ?", (h1,))
    busy.conn.execute("UPDATE events SET seq = ? WHERE hash = ?", (s1, h2))
    busy.conn.execute("UPDATE events SET seq = ? WHERE hash = ?", (s2, h1))
    problems = busy.verify_chain(check_checkpoints=False)
    kinds = {(p.seq, p.code) for p in problems}
    assert (s1, "reordered") in kinds and (s2, "reordered") in kinds
    assert all(p.device == rows[5][0] for p in problems)
    assert "event says device" in str(problems[0])


def test_dropping_is_detected(busy: Store) -> None:
    device, seq, h, _ = _rows(busy)[7]
    busy.conn.execute("DELETE FROM events WHERE hash = ?", (h,))
    problems = busy.verify_chain(check_checkpoints=False)
    assert [(p.device, p.seq, p.code) for p in problems] == [(device, seq + 1, "gap")]
    assert f"events {seq}..{seq} are missing" in problems[0].message


def test_duplicating_is_detected(busy: Store) -> None:
    rows = _rows(busy)
    device, seq, _h, data = rows[3]
    last_seq = rows[-1][1]
    busy.conn.execute(
        "INSERT INTO events (hash, device, seq, hlc, kind, entity, op, data, received_at) "
        "SELECT 'dup', device, ?, hlc, kind, entity, op, data, received_at FROM events "
        "WHERE device = ? AND seq = ?",
        (last_seq + 1, device, seq),
    )
    problems = busy.verify_chain(check_checkpoints=False)
    assert any(p.seq == last_seq + 1 and p.code == "reordered" for p in problems)
    assert any(p.seq == last_seq + 1 and p.code == "edited" for p in problems)
    assert data


def test_checkpoint_tampering_is_detected(busy: Store) -> None:
    from tests.conftest import PASSPHRASE

    cp = busy.checkpoint(PASSPHRASE)
    assert busy.verify_chain() == []
    sig = cp["signature"]
    lines = sig.splitlines()
    body = lines[3]
    lines[3] = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    busy.conn.execute(
        "UPDATE checkpoints SET signature = ? WHERE seq = ?", ("\n".join(lines) + "\n", cp["seq"])
    )
    problems = busy.verify_chain()
    assert [p.code for p in problems] == ["checkpoint"]
    assert problems[0].seq == cp["seq"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("device", "../../etc/x", "event device '../../etc/x' is not a UUID"),
        ("entity", "x; DROP TABLE sites", "is not a UUID"),
        ("kind", "Site/../x", "is not a record kind name"),
        ("hlc", "999", "is not a clock of its device"),
    ],
)
def test_received_events_with_hostile_ids_are_refused(
    busy: Store, key: str, value: str, message: str
) -> None:
    from fieldkit.canonical import canonical_bytes
    from fieldkit.errors import ChainError
    from fieldkit.journal import parse_event

    event = next(busy.iter_events())
    assert parse_event(event.data).hash == event.hash
    body = {**event.body, key: value}
    with pytest.raises(ChainError) as exc:
        parse_event(canonical_bytes(body))
    assert message in str(exc.value)
