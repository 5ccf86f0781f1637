"""The audience rules shared by GIS files, the case report and the public release."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldkit.audience import (
    Audience,
    AudienceError,
    build_view,
    generalise,
    release_labels,
    utm_epsg,
)
from fieldkit.cli import main
from fieldkit.errors import ValidationError
from fieldkit.store import Store
from tests import outputs_case as oc
from tests.conftest import table_dump


def test_release_labels_never_equal_an_internal_code() -> None:
    labels = release_labels(["a", "b", "c"], ["W-001", "witness  2", "Witness 3 "])
    assert labels == {"a": "Witness 1", "b": "Witness 4", "c": "Witness 5"}


def test_generalised_points_lie_on_the_grid_and_near() -> None:
    from pyproj import Transformer

    rng = random.Random(7)
    points = [(39.8153, 46.7519), (-33.9, 18.4), (0.0001, 47.99999), (64.1, -21.9)]
    points += [(rng.uniform(-79, 83), rng.uniform(-179.9, 179.9)) for _ in range(40)]
    for grid in (100, 250, 1000):
        for lat, lon in points:
            glat, glon = generalise(lat, lon, grid)
            assert generalise(lat, lon, grid) == (glat, glon)  # reproducible
            fwd = Transformer.from_crs("EPSG:4326", f"EPSG:{utm_epsg(lat, lon)}", always_xy=True)
            e, n = fwd.transform(glon, glat)
            assert abs(e / grid - round(e / grid)) < 1e-6 and abs(n / grid - round(n / grid)) < 1e-6
            e0, n0 = fwd.transform(lon, lat)
            assert math.hypot(e - e0, n - n0) <= grid * math.sqrt(2) / 2 + 1e-6


def test_audience_combinations() -> None:
    assert Audience(include="confidential").allows("restricted")
    assert not Audience(include="restricted").allows("confidential")
    assert not Audience().allows("restricted") and Audience().allows(None)
    with pytest.raises(AudienceError):
        Audience("public", include="restricted")
    with pytest.raises(AudienceError):
        Audience("press")
    with pytest.raises(AudienceError):
        Audience("public", grid_m=0)


def test_release_fields_are_journal_events_that_replay(
    make_store: Callable[..., Store], tmp_path: Path
) -> None:
    store = make_store()
    case = oc.build_case(store, tmp_path, photos=1)
    st = store.update(case.statements["public"], {"consent": "withdrawn"})
    assert st["consent"] == "withdrawn"
    with pytest.raises(ValidationError):
        store.update(case.market, {"release": "maybe"})
    events = [e for e in store.history(case.media[0]["id"]) if e["op"] == "update"]
    assert events[-1]["fields"] == {"release": "yes"}
    before = table_dump(store)
    store.rebuild_projection()
    assert table_dump(store) == before


def test_internal_view_withholds_text_not_the_statement(
    make_store: Callable[..., Store], tmp_path: Path
) -> None:
    store = make_store()
    case = oc.build_case(store, tmp_path, photos=1)
    view = build_view(store, Audience(), case_id=case.case_id)
    by_id = {s["_id"]: s for s in view.statements}
    assert len(by_id) == 4 and view.withheld_text == 2 and view.carries == "public"
    conf = by_id[case.statements["confidential"]]
    assert conf["quotes"] is None and conf["summary"] is None
    assert conf["text_withheld"] == "confidential" and conf["witness_code"] == "W-003"
    view = build_view(store, Audience(include="restricted"), case_id=case.case_id)
    assert view.carries == "restricted" and view.withheld_text == 1


def test_public_view_holds_back_with_reasons(
    make_store: Callable[..., Store], tmp_path: Path
) -> None:
    store = make_store()
    case = oc.build_case(store, tmp_path, photos=3)
    store.update(case.market, {"release": "no"})
    view = build_view(store, Audience("public"), case_id=case.case_id)
    reasons = {(h["kind"], h["id"]): h["reason"] for h in view.held_back}
    assert reasons[("remnant", case.remnants[0])] == "its site is not marked for release"
    assert reasons[("statement", case.statements["withdrawn"])] == "the witness withdrew consent"
    assert reasons[("statement", case.statements["public"])] == (
        "its site is not marked for release"
    )
    assert reasons[("media", case.media[0]["id"])] == (
        "its site or remnant is not marked for release"
    )
    assert [s["name"] for s in view.sites] == [oc.SCHOOL_AZ]
    assert view.statements == []
    assert [m["_id"] for m in view.media] == [case.media[1]["id"]]  # at the school
    # Photo 2 (index 1) is at the sensitive school: its position is generalised.
    store.update(case.market, {"release": "yes"})
    view = build_view(store, Audience("public"), case_id=case.case_id)
    school_photo = next(m for m in view.media if m["_id"] == case.media[1]["id"])
    assert school_photo["position_generalised_m"] == 100
    assert "serial" not in school_photo and "sha256" not in school_photo


def test_media_edit_release(
    make_store: Callable[..., Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = make_store()
    case = oc.build_case(store, tmp_path, photos=3)
    mid = case.media[2]["id"]
    home = str(store.home)
    store.close()
    assert main(["--home", home, "media", "edit", mid, "--release", "yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["release"] == "yes"
    assert main(["--home", home, "media", "edit", mid]) == 2
    assert main(["--home", home, "site", "edit", case.school, "--sensitive-position", "no"]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "--home",
                home,
                "statement",
                "edit",
                case.statements["public"],
                "--consent",
                "withdrawn",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["consent"] == "withdrawn"
