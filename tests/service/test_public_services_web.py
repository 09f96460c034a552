"""The public-services page and dashboard panel on SQLite and PostgreSQL: both languages,
the hand case of tests/public_services (three provinces, 2019 at 3.5%), a simulated rate,
bad input shown with its reason (422)."""

from __future__ import annotations

from typing import Any

from regcoord.service.web.public_services import LABELS


def test_labels_exist_in_both_languages() -> None:
    assert all(en.strip() and zh.strip() and en != zh for en, zh in LABELS.values())


def test_page_renders_in_both_languages_with_the_hand_case(world: Any) -> None:
    c = world.client
    r = c.get("/public-services?year=2019&lang=en")
    assert r.status_code == 200, r.text[:300]
    # 2019: fund 6 111 000.00; 广东 pays 3 150 000.00, receives 1 018 500.00
    assert 'id="fund-total">6111000.00<' in r.text and "-2131500.00" in r.text
    assert "Illustrative example" in r.text and "国办发〔2019〕13号" in r.text
    assert "Northeast" in r.text
    r = c.get("/public-services?year=2019&lang=zh")
    assert r.status_code == 200 and "示例数据" in r.text and "东北地区" in r.text and "基本公共服务" in r.text
    # standards section: 乙 2024 public-health 90 < 94 -> gap -4
    assert 'id="standards"' in r.text and "-4" in r.text


def test_user_data_and_simulated_rate(world: Any) -> None:
    data = "region,average_wage,insured_workers,retirees\nA,10000,10,1\nB,10000,0,1\n"
    # 10000 * 0.9 * 10 * 0.05 = 4500.00; each of 2 retirees' provinces gets 2250.00
    r = world.client.get("/public-services", params={"year": 2023, "rate": "0.05", "data": data})
    assert r.status_code == 200, r.text[:300]
    assert 'id="fund-total">4500.00<' in r.text and "-2250.00" in r.text
    assert 'id="illustrative"' not in r.text


def test_bad_input_is_shown_with_status_422(world: Any) -> None:
    r = world.client.get("/public-services?year=2022")
    assert r.status_code == 422 and "national pooling" in r.text
    r = world.client.get("/public-services", params={"year": 2019, "data": "region,x\nA,1\n"})
    assert r.status_code == 422 and "average_wage" in r.text


def test_dashboard_panel(world: Any) -> None:
    r = world.client.get("/public-services/panel?lang=zh")
    # 2021 at 4.5%: 4 050 000 + 1 215 000 + 2 592 000 = 7 857 000.00
    assert r.status_code == 200 and 'id="ps-fund">7857000.00<' in r.text and "示例" in r.text
