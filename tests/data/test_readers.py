"""Readers: three layouts x three file types, auto-detection, and every data error.

Reference values are the cells written into the small files below (hand-made tables);
each error test checks that the message names the file, the row, the column and what
was expected.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.data import Panel, panel_from_frame, read_panel
from regcoord.errors import DataError
from regcoord.measure._validation import check_inputs, from_panel
from regcoord.regions import Group, Grouping

FORMATS = ("csv", "parquet", "xlsx")

# hand-made data: 3 provinces x 2 years x 2 indicators
VALUES = {
    ("11", 2015, "gdp"): 23014.6,
    ("11", 2016, "gdp"): 25669.1,
    ("12", 2015, "gdp"): 16538.2,
    ("12", 2016, "gdp"): 17885.4,
    ("13", 2015, "gdp"): 29806.1,
    ("13", 2016, "gdp"): 32070.5,
    ("11", 2015, "population"): 2188.0,
    ("11", 2016, "population"): 2195.0,
    ("12", 2015, "population"): 1439.0,
    ("12", 2016, "population"): 1443.0,
    ("13", 2015, "population"): 7345.0,
    ("13", 2016, "population"): 7375.0,
}


def _write(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table of text cells in the format given by the suffix."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.astype(str).to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def _region_year() -> pd.DataFrame:
    rows = []
    for r in ("11", "12", "13"):
        for y in (2015, 2016):
            rows.append(
                {
                    "code": r,
                    "year": y,
                    "gdp": VALUES[(r, y, "gdp")],
                    "population": VALUES[(r, y, "population")],
                }
            )
    return pd.DataFrame(rows)


def _long() -> pd.DataFrame:
    return pd.DataFrame(
        [{"region": r, "year": y, "indicator": i, "value": v} for (r, y, i), v in VALUES.items()]
    )


def _wide() -> pd.DataFrame:
    rows = []
    for r in ("11", "12", "13"):
        for i in ("gdp", "population"):
            rows.append(
                {"region": r, "indicator": i, "2015": VALUES[(r, 2015, i)], "2016": VALUES[(r, 2016, i)]}
            )
    return pd.DataFrame(rows)


LAYOUTS = {"region-year": _region_year, "long": _long, "wide-year": _wide}


def _as_dict(panel: Panel) -> dict[tuple[str, int, str], float]:
    f = panel.frame
    return {
        (r, int(y), i): float(v)
        for r, y, i, v in zip(f["region"], f["year"], f["indicator"], f["value"], strict=True)
    }


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_layout_and_format_reads_the_same_panel(tmp_path, fmt, layout):
    path = _write(LAYOUTS[layout](), tmp_path / f"panel.{fmt}")
    auto = read_panel(path, catalog="china")
    explicit = read_panel(path, layout=layout, catalog="china")  # type: ignore[arg-type]
    assert _as_dict(auto) == VALUES
    assert _as_dict(explicit) == VALUES
    assert auto.regions == ["11", "12", "13"] and auto.years == [2015, 2016]
    assert auto.indicators == ["gdp", "population"]
    assert auto.source == str(path)


def test_region_year_keeps_text_columns_as_attributes(tmp_path):
    f = _region_year()
    f["name"] = f["code"].map({"11": "北京市", "12": "天津市", "13": "河北省"})
    f["plate"] = "east"
    p = read_panel(_write(f, tmp_path / "p.csv"))
    assert p.indicators == ["gdp", "population"]
    assert p.attributes.loc["11", "name"] == "北京市"
    assert p.group_labels("plate", ["11", "13"]) == ["east", "east"]


def test_wide_year_indicator_names(tmp_path):
    f = pd.DataFrame({"State": ["A", "B"], "pcgdp1940": [1.0, 2.0], "pcgdp1950": [3.0, 4.0]})
    p = read_panel(_write(f, tmp_path / "mex.csv"), region="State")
    assert p.indicators == ["pcgdp"] and p.years == [1940, 1950]
    assert p.wide("pcgdp").loc["B", 1950] == 4.0
    g = pd.DataFrame({"region": ["A"], "1990": [1.0], "1991": [2.0]})
    assert read_panel(_write(g, tmp_path / "income.csv")).indicators == ["income"]  # the file's stem
    assert read_panel(tmp_path / "income.csv", indicator="gdp_pc").indicators == ["gdp_pc"]


def test_auto_detection_needs_a_recognisable_header(tmp_path):
    path = _write(pd.DataFrame({"code": ["11"], "gdp": [1.0]}), tmp_path / "x.csv")
    with pytest.raises(DataError) as e:
        read_panel(path)
    assert (e.value.source, e.value.row) == (str(path), 1)
    assert "cannot tell the layout" in str(e.value) and "expected a year column" in str(e.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_region_code_names_file_row_and_column(tmp_path, fmt):
    f = _region_year()
    f.loc[3, "code"] = "99"  # file row 5 (header is row 1)
    path = _write(f, tmp_path / f"bad.{fmt}")
    with pytest.raises(DataError) as e:
        read_panel(path, catalog="china")
    err = e.value
    assert err.source == str(path)
    assert err.row == (5 if fmt != "parquet" else 4)  # Parquet has no header row
    assert err.column == "code"
    assert "unknown region code '99'" in str(err) and "catalog 'china'" in str(err)
    assert read_panel(path).regions == ["11", "12", "13", "99"]  # without a catalog any code is fine


def test_six_digit_adcodes_become_catalog_codes_and_cannot_duplicate(tmp_path):
    f = _long()
    f["region"] = f["region"] + "0000"  # 110000 etc.
    p = read_panel(_write(f, tmp_path / "adcode.csv"), catalog="china")
    assert p.regions == ["11", "12", "13"] and _as_dict(p) == VALUES
    g = pd.concat([_long(), f.iloc[[0]]], ignore_index=True)  # 110000 again as row 14
    with pytest.raises(
        DataError, match=r"row 14, column 'region': duplicate \(11, 2015, gdp\); first seen at row 2"
    ):
        read_panel(_write(g, tmp_path / "dup.csv"), catalog="china")


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicate_region_year_indicator(tmp_path, fmt):
    f = pd.concat([_long(), _long().iloc[[4]]], ignore_index=True)  # row 6 repeated as row 14
    path = _write(f, tmp_path / f"dup.{fmt}")
    with pytest.raises(DataError) as e:
        read_panel(path)
    first, again = (6, 14) if fmt != "parquet" else (5, 13)
    assert e.value.row == again and e.value.column == "region"
    assert f"duplicate (13, 2015, gdp); first seen at row {first}" in str(e.value)
    assert "one value per region, year and indicator" in str(e.value)


@pytest.mark.parametrize(
    ("layout", "cell", "column", "row"),
    [
        ("region-year", (2, "gdp"), "gdp", 4),
        ("long", (2, "value"), "value", 4),
        ("wide-year", (2, "2016"), "2016", 4),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_non_numeric_value_names_the_file_column(tmp_path, fmt, layout, cell, column, row):
    f = LAYOUTS[layout]().astype(object)
    f.loc[cell[0], cell[1]] = "12,3 亿"
    path = _write(f, tmp_path / f"text.{fmt}")
    with pytest.raises(DataError) as e:
        read_panel(path)
    assert e.value.column == column
    assert e.value.row == (row if fmt != "parquet" else row - 1)
    assert "'12,3 亿'" in str(e.value) and "is not a number" in str(e.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_values_fail_or_are_dropped_and_listed(tmp_path, fmt):
    f = _region_year().astype(object)
    f.loc[1, "gdp"] = ""  # 11, 2016: file row 3
    f.loc[4, "population"] = ".."  # 13, 2015: file row 6 (the NBS mark for "no data")
    path = _write(f, tmp_path / f"gaps.{fmt}")
    off = 0 if fmt != "parquet" else 1
    with pytest.raises(DataError) as e:
        read_panel(path)
    assert e.value.row == 3 - off and e.value.column == "gdp"
    assert "missing value of gdp for region 11 in 2016 (2 missing in all; pass allow_missing" in str(e.value)
    p = read_panel(path, allow_missing=True)
    assert [(d.row, d.region, d.year, d.indicator) for d in p.dropped] == [
        (3 - off, "11", 2016, "gdp"),
        (6 - off, "13", 2015, "population"),
    ]
    assert all(d.reason == "missing value" for d in p.dropped)
    assert len(p) == len(VALUES) - 2
    expected = {k: v for k, v in VALUES.items() if k not in {("11", 2016, "gdp"), ("13", 2015, "population")}}
    assert _as_dict(p) == expected
    # a gap is never filled: the dense matrix refuses it
    with pytest.raises(DataError, match="gdp is missing for region 11 in 2016"):
        p.matrix("gdp")


def test_blank_lines_keep_file_row_numbers(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("code,year,gdp\n11,2015,1\n\n12,2015,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 4, column 'gdp': value 'x'"):
        read_panel(path)


def test_gbk_encoded_csv(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("code,year,gdp,名称\n11,2015,100,北京\n".encode("gbk"))
    p = read_panel(path)
    assert p.attributes.loc["11", "名称"] == "北京" and _as_dict(p) == {("11", 2015, "gdp"): 100.0}


def test_non_positive_value_where_a_log_needs_one(tmp_path):
    f = _region_year()
    f.loc[5, "gdp"] = 0.0  # 13, 2016
    f.loc[2, "gdp"] = -1.0  # 12, 2015
    p = read_panel(_write(f, tmp_path / "neg.csv"))
    p.validate(positive=["population"])  # fine
    with pytest.raises(DataError) as e:
        p.validate(positive=["gdp"])
    assert e.value.column == "gdp"
    assert "gdp is -1 for region 12 in 2015 (2 non-positive values in all)" in str(e.value)
    assert "positive value (it enters a log or a share)" in str(e.value)
    with pytest.raises(DataError, match="unknown indicator 'gpd'"):
        p.validate(positive=["gpd"])


def test_missing_weight(tmp_path):
    # weights as arrays: the helper every measure uses names the region and year
    x = np.array([[1.0, 2.0, 3.0], [1.5, 2.5, 3.5]])
    w = np.array([[1.0, 1.0, 1.0], [1.0, np.nan, 1.0]])
    with pytest.raises(DataError) as e:
        check_inputs(x, weights=w, years=[2015, 2016], regions=["11", "12", "13"])
    assert "weight missing for region 12 in year 2016" in str(e.value)
    assert e.value.column == "weights"
    # weights from a panel where the weight indicator has a gap
    f = _region_year().astype(object)
    f.loc[3, "population"] = ""  # 12, 2016
    p = read_panel(_write(f, tmp_path / "w.csv"), allow_missing=True)
    with pytest.raises(DataError, match="population is missing for region 12 in 2016"):
        from_panel(p, "gdp", weight="population")


def test_region_in_two_groups_of_one_partition(tmp_path):
    f = _region_year()
    f["plate"] = ["east", "east", "east", "central", "east", "east"]  # region 12 in two plates
    path = _write(f, tmp_path / "plates.csv")
    with pytest.raises(DataError) as e:
        read_panel(path)
    assert e.value.row == 5 and e.value.column == "plate"
    assert "region 12 is in two groups of column 'plate': 'east' (row 4) and 'central'" in str(e.value)
    # choosing the indicators reads the file, ignoring the inconsistent text column
    assert read_panel(path, indicators=["gdp"]).indicators == ["gdp"]
    # the same rule for a grouping declared in a catalog
    with pytest.raises(DataError, match="region '12' is in two groups of partition 'plate': 'a' and 'b'"):
        Grouping(
            "plate",
            (Group("a", "甲", "A", frozenset({"11", "12"})), Group("b", "乙", "B", frozenset({"12"}))),
            partition=True,
        )


def test_file_problems(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_panel(tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match=r"unsupported file type '.json'.*expected .csv"):
        read_panel(tmp_path / "x.json")
    with pytest.raises(DataError, match="unknown catalog 'mars'"):
        read_panel(_write(_long(), tmp_path / "l.csv"), catalog="mars")
    with pytest.raises(DataError, match=r"row 1, column 'regio': no column 'regio'"):
        read_panel(tmp_path / "l.csv", region="regio")


def test_xlsx_sheet_by_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="说明", index=False)
        _long().to_excel(xw, sheet_name="data", index=False)
    assert _as_dict(read_panel(path, sheet="data")) == VALUES


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.01, 1e7, allow_nan=False), min_size=6, max_size=6))
def test_layouts_round_trip_through_panel_from_frame(values):
    # the same numbers in the three layouts give one and the same panel
    regions, years = ["11", "12", "13"], [2020, 2021]
    cells = {(r, y): v for (r, y), v in zip([(r, y) for r in regions for y in years], values, strict=True)}
    ry = pd.DataFrame([{"region": r, "year": y, "gdp": repr(v)} for (r, y), v in cells.items()])
    lg = pd.DataFrame(
        [{"region": r, "year": y, "indicator": "gdp", "value": repr(v)} for (r, y), v in cells.items()]
    )
    wd = pd.DataFrame([{"region": r, **{str(y): repr(cells[(r, y)]) for y in years}} for r in regions])
    a = panel_from_frame(ry).frame
    b = panel_from_frame(lg).frame
    c = panel_from_frame(wd, indicator="gdp").frame
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert a["value"].tolist() == [cells[(r, y)] for y in years for r in regions]


def test_long_layout_keeps_units_and_sources(tmp_path):
    f = _long()
    f["unit"] = f["indicator"].map({"gdp": "100 million yuan", "population": "10k persons"})
    f["source"] = "NBS"
    p = read_panel(_write(f, tmp_path / "l.csv"), units={"population": "10,000 persons"})
    assert p.unit("gdp") == "100 million yuan"
    assert p.unit("population") == "10,000 persons"  # an explicit unit wins over the file's
    assert p.sources == {"gdp": "NBS", "population": "NBS"}


# -- what a bad file is (issue 12) ---------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("panel.csv", PNG, "not a CSV file: it is a PNG image"),
        ("panel.csv", b"%PDF-1.7\n...", "not a CSV file: it is a PDF document"),
        ("panel.tsv", b"PK\x03\x04rest", "not a TSV file: it is a ZIP archive"),
        ("panel.parquet", b"region,year\nA,2000\n", "not a Parquet file: it is a text file"),
        ("panel.xlsx", PNG, "not an XLSX file: it is a PNG image"),
    ],
)
def test_bad_file_says_what_it_is(tmp_path, name, content, message):
    from regcoord.data import read_panel

    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_panel(p)


def test_misspelt_dataset_suggests_the_nearest_name():
    from regcoord.data import load_panel
    from regcoord.data._datasets import get_dataset
    from regcoord.errors import NotFound

    with pytest.raises(DataError, match="did you mean 'china'"):
        load_panel("chna")
    with pytest.raises(DataError, match="did you mean 'us_income'"):
        load_panel("us-income")
    with pytest.raises(NotFound, match="did you mean 'mexico'"):
        get_dataset("mexicco")
