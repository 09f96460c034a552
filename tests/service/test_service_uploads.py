"""KPI bulk import accepts the files officials save: GBK CSV, XLSX (Chinese sheet name), XLS.

One reader policy (:func:`regcoord.data.read_bytes`) for library, CLI and service.  The
reference is the existing CSV test of the import (0.9 <= 1 in progress, 1.3 > 1 not met).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from tests.officefiles import gbk_csv, xls, xlsx

MAKERS = {"报告.csv": gbk_csv, "报告.xlsx": xlsx, "报告.xls": xls}


def _rows(cid: int, second: Any = 1.3) -> list[list[Any]]:
    return [
        ["clause_id", "period_start", "period_end", "value", "evidence"],
        [cid, dt.date(2023, 1, 1), dt.date(2023, 12, 31), 0.9, "街口断面2023年报"],
        [cid, dt.date(2024, 1, 1), dt.date(2024, 12, 31), second, "街口断面2024年报"],
    ]


@pytest.mark.parametrize("name", list(MAKERS))
def test_kpi_import_reads_officials_files(world: Any, name: str) -> None:
    w = world
    inst = w.to_state("in_force")
    cid = inst["clauses"][1]["id"]
    raw = MAKERS[name](_rows(cid))
    r = w.post(
        "off-34",
        f"/api/instruments/{inst['id']}/reports.csv",
        files={"file": (name, raw, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    got = [(x["value"], x["outcome"], x["evidence"]) for x in r.json()["imported"]]
    assert got == [("0.9", "in_progress", "街口断面2023年报"), ("1.3", "not_met", "街口断面2024年报")]


@pytest.mark.parametrize("name", list(MAKERS))
def test_kpi_import_bad_cell_names_row_and_column(world: Any, name: str) -> None:
    w = world
    inst = w.to_state("in_force")
    cid = inst["clauses"][1]["id"]
    rows = _rows(cid)
    rows[2][1] = "二〇二四年"
    raw = MAKERS[name](rows)
    r = w.post(
        "off-34", f"/api/instruments/{inst['id']}/reports.csv", files={"file": (name, raw, "text/csv")}
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert (detail["row"], detail["loc"][-1]) == (3, "period_start")
    assert w.get(f"/api/instruments/{inst['id']}/reports").json() == []


def test_binary_upload_is_refused_naming_the_file(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    r = w.post(
        "off-34",
        f"/api/instruments/{inst['id']}/reports.csv",
        files={"file": ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")},
    )
    assert r.status_code == 422
    assert "photo.csv" in r.text and "GBK" in r.text


# -- the reform workbench upload reads the same files --------------------------------------------
REFORM_ROWS: list[list[Any]] = [
    ["region", "population", "standard_expenditure", "standard_revenue", "coefficient"],
    ["青海", 594, 500, 100, 0.90],
    ["广东", 12601, 900, 500, 0.5171],
    ["北京", 2189, 300, 200, 0.20],
    ["上海", 2487, 400, 450, 0.5],
]


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m is not None
    return m.group(1)


def _guangdong(page: str) -> list[str]:
    body = page.split('id="regions"', 1)[1].split("</table>", 1)[0]
    tr = next(t for t in body.split("<tr>") if "Guangdong" in t or "广东" in t)
    return re.findall(r"<td[^>]*>([^<]*)</td>", tr)[1:4]


@pytest.mark.parametrize("name", list(MAKERS))
def test_reform_workbench_upload_reads_officials_files(world: Any, name: str) -> None:
    w = world
    token = _csrf(w.client.get("/login").text)
    r = w.client.post(
        "/login",
        data={"username": "off-33", "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    token = _csrf(w.client.get("/reforms").text)
    form = {
        "scheme": "china_balanced_transfer",
        "date": "2026-06-30",
        "p.coefficient": "0.9",
        "csrf_token": token,
    }
    r = w.client.post(
        "/reforms/calculate?lang=en", data=form, files={"file": (name, MAKERS[name](REFORM_ROWS))}
    )
    assert r.status_code == 200, r.text
    # the same numbers as the text upload of tests/service/test_reforms_web.py (Guangdong 206.84 -> 360.00)
    assert _guangdong(r.text) == ["206.84", "360.00", "153.16"]
