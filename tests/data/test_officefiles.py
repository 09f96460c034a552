"""One reader policy for officials' real files: GBK CSV, XLSX with a Chinese sheet name, XLS.

The files are made the way Chinese Excel saves them (:mod:`tests.officefiles`).  The
reference values are the cells written into them: NBS gross regional product of Beijing,
Tianjin and Hebei (亿元, China Statistical Yearbook 2016/2017, table 3-9), the same table as
``tests/data/test_readers.py``.  Every reader must give the same panel, and every bad cell
an error naming file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.officefiles import gbk_csv, xls, xlsx
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.data import Panel, decode_text, panel_from_frame, read_bytes, read_panel
from regcoord.errors import DataError

GDP = {("11", 2015): 23014.6, ("12", 2015): 16538.2, ("13", 2015): 29806.1}
ROWS: list[list[str | int | float | dt.date | None]] = [
    ["地区代码", "year", "地区生产总值", "板块"],
    ["11", 2015, 23014.6, "东部"],
    ["12", 2015, 16538.2, "东部"],
    ["13", 2015, 29806.1, "东部"],
]
MAKERS = {"gbk.csv": gbk_csv, "book.xlsx": xlsx, "book.xls": xls}


def _write(tmp_path, name, rows=ROWS):
    path = tmp_path / name
    path.write_bytes(MAKERS[name](rows))
    return path


@pytest.mark.parametrize("name", list(MAKERS))
def test_every_format_gives_the_same_panel(tmp_path, name):
    path = _write(tmp_path, name)
    panel = read_panel(path, region="地区代码")
    got = {(r.region, r.year): r.value for r in panel.frame.itertuples()}
    assert got == GDP
    assert panel.indicators == ["地区生产总值"]
    assert panel.attributes.loc["12", "板块"] == "东部"


def test_gbk_file_is_not_utf8_and_still_reads():
    raw = gbk_csv(ROWS)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode_text(raw).splitlines()[0] == "地区代码,year,地区生产总值,板块"


def test_chinese_sheet_by_name_and_missing_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx(ROWS, sheet="分省数据"))
    assert len(read_panel(path, region="地区代码", sheet="分省数据")) == 3
    with pytest.raises(DataError) as err:
        read_panel(path, region="地区代码", sheet="Sheet1")
    assert err.value.source == str(path) and "Sheet1" in err.value.problem


def test_excel_dates_and_whole_numbers_read_as_people_see_them():
    rows = [
        ["clause_id", "period_start", "value"],
        [7, dt.date(2024, 1, 1), 1.0],
        [8, dt.date(2024, 12, 31), 0.25],
    ]
    for maker, name in ((xlsx, "a.xlsx"), (xls, "a.xls")):
        table, first = read_bytes(maker(rows), name)
        assert first == 2
        assert table.to_dict("records") == [
            {"clause_id": "7", "period_start": "2024-01-01", "value": "1"},
            {"clause_id": "8", "period_start": "2024-12-31", "value": "0.25"},
        ]


@pytest.mark.parametrize("name", list(MAKERS))
def test_bad_cell_names_file_row_and_column(tmp_path, name):
    rows = [r[:] for r in ROWS]
    rows[2][2] = "约1.6万"
    path = _write(tmp_path, name, rows)
    with pytest.raises(DataError) as err:
        read_panel(path, region="地区代码")
    assert (err.value.source, err.value.row, err.value.column) == (str(path), 3, "地区生产总值")
    assert err.value.expected == "a number"


def test_binary_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert (
        err.value.source == str(path) and "PNG" in err.value.problem and "UTF-8" in (err.value.expected or "")
    )


def test_damaged_workbook_is_refused(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(xls(ROWS)[:600])
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert err.value.source == str(path)


def test_plainest_file_region_year_value(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("region,year,value\n11,2015,23014.6\n12,2015,16538.2\n13,2015,29806.1\n")
    panel = read_panel(path)
    assert panel.indicators == ["value"]
    assert {(r.region, r.year): r.value for r in panel.frame.itertuples()} == GDP


runner = CliRunner()


@pytest.mark.parametrize("name", ["plain.csv", "book.xls", "gbk.csv", "book.xlsx"])
def test_cli_inequality_reads_the_plain_file_in_every_format(tmp_path, name):
    rows = [["region", "year", "value"], *[[r, y, v] for (r, y), v in GDP.items()]]
    path = tmp_path / name
    if name == "plain.csv":
        path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")
    else:
        path.write_bytes(MAKERS[name](rows))
    result = runner.invoke(app, ["inequality", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    # max/min written out: 29806.1 / 16538.2
    assert record["max_min_ratio"] == pytest.approx(29806.1 / 16538.2)
    assert record["n"] == 3


def test_cli_unknown_type_exits_2_with_message(tmp_path):
    path = tmp_path / "data.ods"
    path.write_bytes(b"whatever")
    result = runner.invoke(app, ["inequality", str(path)])
    assert result.exit_code == 2
    assert "unsupported file type" in result.output and "Traceback" not in result.output


# -- any column name a user may choose is read or refused with a message -------------------
NAME = st.one_of(
    st.sampled_from(
        [
            "value",
            "Value",
            "indicator",
            "region",
            "year",
            "_row",
            "unit",
            "source",
            "code",
            "1990",
            "gdp2000",
            " ",
            "",
        ]
    ),
    st.text(alphabet=string.printable + "地区值年份", min_size=0, max_size=8),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(NAME, min_size=1, max_size=5),
    layout=st.sampled_from(["auto", "long", "region-year", "wide-year"]),
    with_ids=st.booleans(),
    cells=st.sampled_from(["1.5", "x", "", "2020"]),
)
def test_any_header_is_read_or_refused_with_a_message(names, layout, with_ids, cells):
    header = (["region", "year"] if with_ids else []) + names
    body = [["11", "2020", *[cells] * len(names)], ["12", "2021", *["2.5"] * len(names)]]
    body = [row[: len(header)] if with_ids else row[2:] for row in body]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])  # quoted as Excel writes it
    text = buf.getvalue()
    frames = [pd.DataFrame(body, columns=header)]
    try:  # the same table through the product's own file reader
        frames.append(read_bytes(text.encode("utf-8"), "h.csv")[0])
    except DataError as exc:
        assert exc.source == "h.csv" and str(exc)
    for frame in frames:
        try:
            panel = panel_from_frame(frame, layout=layout, source="h.csv")
        except DataError as exc:
            assert exc.source == "h.csv" and str(exc)
        else:
            assert isinstance(panel, Panel)
            assert set(panel.frame.columns) >= {"region", "year", "indicator", "value"}


@pytest.mark.parametrize("name", list(MAKERS))
def test_coalition_values_from_every_format(tmp_path, name):
    from regcoord.games import TUGame

    # the three-city water game written out by hand: v(A)=v(B)=v(C)=0, pairs 60/60/60, all 90
    rows = [
        ["coalition", "value"],
        ["甲", 0],
        ["乙", 0],
        ["丙", 0],
        ["甲+乙", 60],
        ["甲+丙", 60],
        ["乙+丙", 60],
        ["甲+乙+丙", 90],
    ]
    path = _write(tmp_path, name, rows)
    game = TUGame.from_csv(path)
    assert game.value(frozenset({"甲", "乙"})) == 60 and game.value(frozenset({"甲", "乙", "丙"})) == 90


@pytest.mark.parametrize("name", list(MAKERS))
def test_cli_tables_read_every_format_like_the_utf8_csv(tmp_path, name):
    from regcoord.cli._input import read_csv

    plain = tmp_path / "plain.csv"
    plain.write_text(
        "\n".join(",".join("" if c is None else str(c) for c in r) for r in ROWS) + "\n", encoding="utf-8"
    )
    path = _write(tmp_path, name)
    for options in ({}, {"dtype": {"地区代码": str}}, {"dtype": str, "keep_default_na": False}):
        pd.testing.assert_frame_equal(read_csv(path, **options), read_csv(plain, **options))


def test_gbk_text_that_starts_like_an_ole_file_is_still_csv(tmp_path):
    # "邢" is b"\xd0\xcf" in GBK, the first two bytes of an OLE2 (XLS) file; only the full
    # eight-byte signature makes a workbook
    ch = b"\xd0\xcf".decode("gbk")
    rows = [[f"{ch}台代码", "year", "value"], ["11", 2015, 23014.6]]
    table, _ = read_bytes(gbk_csv(rows), "upload")
    assert list(table.columns) == [f"{ch}台代码", "year", "value"]
