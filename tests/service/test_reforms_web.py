"""The reform workbench pages on SQLite and PostgreSQL: render zh/en, share by URL, upload, save, compare."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from regcoord.reform import illustrative_provinces, parse_reform, run_reform
from regcoord.service.web.reforms import LABELS

CSV = (
    "region,population,standard_expenditure,standard_revenue,coefficient\n"
    "Qinghai,594,500,100,0.90\nGuangdong,12601,900,500,0.5171\nBeijing,2189,300,200,0.20\n"
    "Shanghai,2487,400,450,0.5\n"
)


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m is not None
    return m.group(1)


def _login(w: Any, user: str) -> str:
    token = _csrf(w.client.get("/login").text)
    r = w.client.post(
        "/login",
        data={"username": user, "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(w.client.get("/reforms").text)


def _cell(page: str, table: str, row: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    tr = next(t for t in body.split("<tr>") if row in t)
    return re.findall(r"<td[^>]*>([^<]*)</td>", tr)


def test_labels_exist_in_both_languages() -> None:
    assert all(en.strip() and zh.strip() for en, zh in LABELS.values())
    assert all(en != zh for k, (en, zh) in LABELS.items() if k != "b_minus_a")


def test_workbench_shares_the_reform_in_its_url(world: Any) -> None:
    w = world
    url = "/reforms?scheme=china_balanced_transfer&date=2026-06-30&p.coefficient=0.6"
    en = w.client.get(url + "&lang=en")
    assert en.status_code == 200, en.text
    zh = w.client.get(url + "&lang=zh").text
    assert "改革模拟工作台" in zh and "示意性财政数据" in zh
    page = en.text
    assert "Illustrative fiscal numbers" in page.split('id="headline"', 1)[1][:400]
    share = re.search(r'id="share"|href="([^"]+)" id="share"', page)
    assert share is not None and "p.coefficient=0.6" in unquote(
        page.split('id="share"')[0].rsplit('href="', 1)[1]
    )
    ref = run_reform(
        illustrative_provinces(),
        parse_reform({"china_balanced_transfer.coefficient": {"2026-06-30": 0.6}}),
        date="2026-06-30",
    )["china"]
    assert f'id="total-delta">{ref.total_delta}<' in page
    # Beijing (11): 0.5 -> 0.6 of its gap, as computed by the library
    i = ref.regions.index("11")
    assert _cell(page, "regions", "Beijing")[1:4] == [
        str(ref.baseline[i]),
        str(ref.reform[i]),
        str(ref.delta[i]),
    ]
    assert 'data-plot="' in page
    bad = w.client.get("/reforms?scheme=china&date=2026-06-30&p.coefficient=2")
    assert bad.status_code == 422 and "outside its declared range" in bad.text
    assert w.client.get("/reforms?scheme=atlantis").status_code == 422


def test_upload_save_and_compare(world: Any) -> None:
    w = world
    form = {"scheme": "china_balanced_transfer", "date": "2026-06-30", "p.coefficient": "0.9", "data": CSV}
    # anonymous: the page says to log in; posting is 401
    anon_page = w.client.get("/reforms?lang=en").text
    assert 'id="login-hint"' in anon_page and 'id="upload-form"' not in anon_page
    anon = _csrf(w.client.get("/login").text)
    for path in ("/reforms/calculate", "/reforms/save"):
        r = w.client.post(path, data={**form, "name": "x", "csrf_token": anon}, follow_redirects=False)
        assert r.status_code == 401
    token = _login(w, "off-33")
    r = w.client.post("/reforms/calculate", data={**form, "csrf_token": token})
    assert r.status_code == 200, r.text
    assert _cell(r.text, "regions", "Guangdong")[1:4] == ["206.84", "360.00", "153.16"]
    assert "Illustrative" not in r.text.split('id="headline"', 1)[1][:300]
    assert (
        w.client.post("/reforms/save", data={**form, "name": "x"}, follow_redirects=False).status_code == 403
    )
    r = w.client.post(
        "/reforms/save", data={**form, "name": "uniform 0.9", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    first = r.headers["location"].split("?")[0]
    page = w.client.get(first + "?lang=en").text
    assert 'id="author">off-33<' in page and "uniform 0.9" in page
    form2 = {**form, "p.coefficient": "", "p.gap_regions_only": "false"}
    r = w.client.post(
        "/reforms/save", data={**form2, "name": "no gap rule", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    second = r.headers["location"].split("?")[0]
    a, b = first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]
    listing = w.client.get("/reforms/saved?lang=zh").text
    assert "已保存的方案" in listing and "uniform 0.9" in listing and "no gap rule" in listing
    cmp = w.client.get(f"/reforms/compare?a={a}&b={b}&lang=en").text
    assert _cell(cmp, "compare-regions", "Shanghai") == ["Shanghai", "0.00", "-25.00", "-25.00"]
    assert _cell(cmp, "compare-regions", "Guangdong")[1:] == ["153.16", "0.00", "-153.16"]
    bad = w.client.post(
        "/reforms/calculate", data={**form, "data": "region,x\nA,1\nB,2\n", "csrf_token": token}
    )
    assert bad.status_code == 422 and "standard_expenditure" in bad.text
