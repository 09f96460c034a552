"""Rule sets: schema validation, date lookup, sources and verification labels.

Reference values are the numbers of /work/shared/domain/compensation-and-transfers.md with
their [V]/[P]/[U] labels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from regcoord.errors import RuleError
from regcoord.rules import available_rule_sets, load_rule_set, parse_rule_file

ALL = (
    "australia_gst",
    "basic_public_service_standard",
    "bth_relocation_tax",
    "california_cap_and_trade",
    "canada_equalization",
    "china_balanced_transfer",
    "china_carbon_market",
    "china_water_rights",
    "chishui_river",
    "esv_xie2015",
    "eu_ets_msr",
    "germany_fag",
    "medical_cross_province",
    "miyun_reservoir",
    "pension_central_adjustment",
    "pension_transfer",
    "xinan_river",
)


def test_all_bundled_rule_sets_load_and_validate():
    assert available_rule_sets() == ALL
    for name in ALL:
        rs = load_rule_set(name)
        assert rs.name == name
        assert rs.title_en and rs.title_zh
        for p in rs:
            for v in rs.values(p):
                assert v.source.document
                assert v.verified == (v.label == "V")


def test_xinan_round_values_and_labels():
    rs = load_rule_set("xinan_river")
    r1 = rs.at("2013-06-30")
    # round 1 [V]: 500 = 300 central + 100 Zhejiang + 100 Anhui (million yuan)
    assert r1["fund_total"] == Decimal(500_000_000)
    assert r1["central_funds"] + r1["zhejiang_contribution"] + r1["anhui_contribution"] == r1["fund_total"]
    assert r1.param("zhejiang_contribution").verified is True
    # weights 0.25 and k0 0.85 are [U]
    assert r1["k0"] == Decimal("0.85")
    assert r1.param("k0").verified is False and r1.param("k0").label == "U"
    assert set(r1["weights"].values()) == {Decimal("0.25")}
    # round 2 [P], round 3 [V]: 200 million each
    r2 = rs.at(dt.date(2016, 1, 1))
    assert r2["anhui_contribution"] == Decimal(200_000_000)
    assert r2.param("anhui_contribution").label == "P" and not r2.param("anhui_contribution").verified
    r3 = rs.at(dt.date(2019, 1, 1))
    assert r3.param("zhejiang_contribution").verified
    assert "k0" not in r3  # not known for round 3: a user parameter
    with pytest.raises(RuleError, match=r"k0.*2012-01-01\.\.2014-12-31"):
        r3.param("k0")
    # June 2023 [V]: a fund of 1 billion
    assert rs.at("2023-06-01")["fund_total"] == Decimal(1_000_000_000)


def test_floor_switches_on_2024_07_01():
    rs = load_rule_set("australia_gst")
    assert rs.at("2024-06-30")["relativity_floor"] == Decimal("0.70")
    assert rs.at("2024-07-01")["relativity_floor"] == Decimal("0.75")
    assert rs.at("2022-07-01")["relativity_floor"] == Decimal("0.70")


def test_other_published_values():
    assert load_rule_set("germany_fag").at("2020-01-01")["vat_adjustment_rate"] == Decimal("0.63")
    g = load_rule_set("germany_fag").at("2024-01-01")
    assert (g["supplementary_threshold"], g["supplementary_rate"]) == (Decimal("0.9975"), Decimal("0.80"))
    assert g.param("city_state_population_weight").label == "P"
    b = load_rule_set("bth_relocation_tax").at("2020-01-01")
    assert (b["origin_share"], b["sharing_years"], b["extension_years"]) == (Decimal("0.5"), 3, 2)
    assert b["eligibility_threshold"] == Decimal(20_000_000)
    c = load_rule_set("chishui_river").at("2019-05-01")
    assert dict(c["contribution_ratios"]) == {"Yunnan": 1, "Guizhou": 5, "Sichuan": 4}
    assert dict(c["allocation_ratios"]) == {"Yunnan": 3, "Guizhou": 4, "Sichuan": 3}
    e = load_rule_set("esv_xie2015").at("2020-01-01")
    assert set(e.group("coefficients")) == {"mixed_forest", "shrub", "desert", "dryland"}
    assert e.param("coefficients.dryland").verified is False
    assert load_rule_set("esv_xie2015").at("2010-05-05").param("national_standard_equivalent").label == "U"
    assert load_rule_set("miyun_reservoir").at("2018-12-31")["reported_payment"] == Decimal(322_150_000)


def test_unknown_rule_set_names_the_known_ones():
    with pytest.raises(
        RuleError, match="known rule sets: australia_gst, basic_public_service_standard, bth_relocation_tax"
    ):
        load_rule_set("nope")


def test_date_outside_every_period_lists_covered_ranges():
    with pytest.raises(RuleError, match=r"covered periods: 2018-01-01\.\.2020-12-31"):
        load_rule_set("chishui_river").at("2021-01-01")
    with pytest.raises(RuleError, match="not a date"):
        load_rule_set("chishui_river").at("2021-13-01")


def test_snapshot_is_frozen():
    snap = load_rule_set("germany_fag").at("2021-01-01")
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.date = dt.date(2000, 1, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        snap.params["x"] = None  # type: ignore[index]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "demo.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
name: demo
title: {en: Demo, zh: 示例}
parameters:
  rate:
    title: {en: Rate, zh: 比例}
    unit: "1"
    source: {document: Doc, article: s1, url: http://example.org}
    label: V
    values:
      - {start: 2020-01-01, end: 2020-12-31, value: 0.1}
      - {start: 2021-01-01, value: 0.2, label: U}
"""


def test_bisect_lookup_on_user_file(tmp_path):
    rs = parse_rule_file(_write(tmp_path, GOOD))
    assert rs.at("2020-12-31")["rate"] == Decimal("0.1")
    assert rs.at("2021-01-01")["rate"] == Decimal("0.2")
    assert rs.at("2030-01-01").param("rate").verified is False
    with pytest.raises(RuleError, match=r"2020-01-01\.\.open"):
        rs.at("2019-12-31")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    label: V\n", "", "missing key 'label'"),
        ('    unit: "1"\n', "", "parameter 'rate': missing key 'unit'"),
        ("end: 2020-12-31, ", "", "overlap"),
        ("value: 0.1}", "value: 0.1, colour: red}", r"values\[0\]: unknown key"),
        ("label: V\n", "label: V\n    verified: false\n", "contradicts label V"),
        ("start: 2021-01-01", "start: soon", "not a date"),
        ("title: {en: Demo, zh: 示例}", "title: Demo", "title"),
    ],
)
def test_malformed_files_name_file_and_key(tmp_path, old, new, message):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RuleError, match=message) as info:
        parse_rule_file(path)
    assert str(path) in str(info.value)


def test_not_yaml(tmp_path):
    with pytest.raises(RuleError, match="not valid YAML"):
        parse_rule_file(_write(tmp_path, "name: [unclosed"))
