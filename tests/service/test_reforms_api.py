"""Reform workbench API on SQLite and PostgreSQL: calculate, save (audited, author), read, trace, compare."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from regcoord.reform import illustrative_provinces, parse_reform, run_reform

ROWS = [
    {
        "region": "Qinghai",
        "population": 594,
        "standard_expenditure": 500,
        "standard_revenue": 100,
        "coefficient": 0.9,
    },
    {
        "region": "Guangdong",
        "population": 12601,
        "standard_expenditure": 900,
        "standard_revenue": 500,
        "coefficient": "0.5171",
    },
    {
        "region": "Beijing",
        "population": 2189,
        "standard_expenditure": 300,
        "standard_revenue": 200,
        "coefficient": 0.2,
    },
    {
        "region": "Shanghai",
        "population": 2487,
        "standard_expenditure": 400,
        "standard_revenue": 450,
        "coefficient": 0.5,
    },
]


def _body(**kw: Any) -> dict[str, Any]:
    return {"scheme": "china", "date": "2026-06-30", "set": {"coefficient": 0.9}, "rows": ROWS, **kw}


def test_calculate_uploaded_rows(world: Any) -> None:
    r = world.post("off-33", "/api/reforms/calculate", _body())
    assert r.status_code == 200, r.text
    out = r.json()
    # hand-worked (tests/reform/cases): 400 x 0.5171 = 206.84 -> 400 x 0.9 = 360; 100 x 0.2 -> 100 x 0.9
    assert [(x["region"], x["baseline"], x["reform"]) for x in out["regions"]] == [
        ("Qinghai", "360.00", "360.00"),
        ("Guangdong", "206.84", "360.00"),
        ("Beijing", "20.00", "90.00"),
        ("Shanghai", "0.00", "0.00"),
    ]
    assert out["total"] == {"baseline": "586.84", "reform": "810.00", "delta": "223.16"}
    assert out["pareto_improvement"] is True and out["illustrative"] is False
    assert out["data_source"] == "upload"


def test_calculate_bundled_data_says_it_is_illustrative(world: Any) -> None:
    r = world.post("off-33", "/api/reforms/calculate", _body(rows=None, set={"coefficient": 0.6}))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["illustrative"] is True and out["headline"]["en"].startswith("Illustrative fiscal numbers")
    assert out["headline"]["zh"].startswith("示意性财政数据")
    # the same numbers as the library on the same data
    ref = run_reform(
        illustrative_provinces(),
        parse_reform({"china_balanced_transfer.coefficient": {"2026-06-30": 0.6}}),
        date="2026-06-30",
    )["china"]
    assert out["total"]["reform"] == str(ref.total_reform)
    assert len(out["regions"]) == 31


def test_errors_are_422_naming_the_field(world: Any) -> None:
    r = world.post("off-33", "/api/reforms/calculate", _body(set={"coefficient": 1.5}))
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["loc"] == ["body", "china_balanced_transfer", "coefficient"] and "[0, 1]" in item["expected"]
    bad = [dict(x) for x in ROWS]
    bad[2]["standard_revenue"] = "lots"
    r = world.post("off-33", "/api/reforms/calculate", _body(rows=bad))
    assert r.status_code == 422 and r.json()["detail"][0]["row"] == 3
    r = world.post("off-33", "/api/reforms/calculate", _body(scheme="atlantis"))
    assert r.status_code == 422 and "unknown scheme" in r.json()["detail"][0]["msg"]
    r = world.post(None, "/api/reforms/calculate", _body())
    assert r.status_code == 401


def test_save_read_trace_compare_and_audit(world: Any) -> None:
    w = world
    r = w.post("off-33", "/api/reforms", _body(name="uniform 0.9"), headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["author"] == "off-33" and a["name"] == "uniform 0.9" and a["data_source"] == "upload"
    again = w.post("off-33", "/api/reforms", _body(name="uniform 0.9"), headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json()["id"] == a["id"]
    b = w.post(
        "off-34",
        "/api/reforms",
        _body(
            name="no gap rule",
            set={},
            overrides={"china_balanced_transfer.gap_regions_only": {"2026-01-01": False}},
        ),
    ).json()
    got = w.get(f"/api/reforms/{a['id']}", "rev-cn")
    assert got.status_code == 200 and got.json()["result"]["total"]["delta"] == "223.16"
    tr = w.get(f"/api/reforms/{a['id']}/trace", "rev-cn").json()
    (entry,) = tr["trace"]
    assert entry["override"] == "china_balanced_transfer.coefficient"
    assert {c["region"] for c in entry["changes"]} == {"Guangdong", "Beijing"}
    cmp = w.get(f"/api/reforms/compare?a={a['id']}&b={b['id']}", "rev-cn").json()
    by = {r["region"]: r for r in cmp["regions"]}
    # B: only Shanghai changes (-50 x 0.5 = -25); A: Guangdong +153.16
    assert by["Shanghai"]["delta_b"] == "-25.00" and by["Guangdong"]["b_minus_a"] == str(Decimal("-153.16"))
    listed = w.get("/api/reforms", "rev-cn").json()
    assert [x["id"] for x in listed] == [b["id"], a["id"]]
    assert w.get("/api/reforms/999", "rev-cn").status_code == 404
    assert w.get(f"/api/reforms/{a['id']}").status_code == 401  # anonymous
    with w.session() as s:
        rows = s.execute(
            sa.text(
                "select actor, action, object_id from audit_event where action = 'reform.save' order by seq"
            )
        ).all()
    assert [(r[0], r[2]) for r in rows] == [
        (f"user:{_uid(w, 'off-33')}", str(a["id"])),
        (f"user:{_uid(w, 'off-34')}", str(b["id"])),
    ]


def _uid(w: Any, username: str) -> int:
    with w.session() as s:
        return int(
            s.execute(
                sa.text("select id from user_account where username = :u"), {"u": username}
            ).scalar_one()
        )
