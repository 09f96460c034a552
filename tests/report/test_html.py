"""The HTML report: self-contained, bilingual, escaped, methods listed once."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from regcoord.errors import DataError
from regcoord.report import Report, Section, charts

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _report(lang: str) -> Report:
    r = Report("Regional disparity", "区域差距", lang=lang)
    r.add(
        Section(
            "Theil index",
            "泰尔指数",
            text_en="First paragraph.\n\nSecond <b>paragraph</b>.",
            text_zh="第一段。\n\n第二段。",
            charts=[charts.line([2015, 2016, 2017], {"泰尔 T": [0.1, 0.12, 0.11]}, title="泰尔指数")],
            tables=[
                pd.DataFrame(
                    {"theil_t": [0.123456789, 12345678.0]}, index=pd.Index(["11", "12"], name="region")
                )
            ],
        )
    )
    r.add_method("Theil T", "泰尔 T 指数", "T = sum_i p_i (x_i/mu) ln(x_i/mu)", "Theil (1967)")
    r.add_method("Theil T", "泰尔 T 指数", "duplicate", "ignored")
    return r


def test_english_page_has_chinese_subtitles_and_is_offline(tmp_path):
    path = _report("en").write(tmp_path / "sub" / "r.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Regional disparity</title>" in html
    assert '<span class="sub">区域差距</span>' in html
    assert '<span class="sub">泰尔指数</span>' in html
    assert "Second &lt;b&gt;paragraph&lt;/b&gt;." in html  # text is escaped
    assert "<svg" in html and "<?xml" not in html
    assert not EXTERNAL.search(html)
    assert "<script" not in html and "<link" not in html
    # method listed once, with formula and source
    assert html.count("T = sum_i p_i (x_i/mu) ln(x_i/mu)") == 1
    assert "duplicate" not in html and "Theil (1967)" in html
    # numbers are formatted, not printed with full float noise
    assert "0.1235" in html and "1.235e+07" in html


def test_chinese_page_puts_chinese_first():
    html = _report("zh").render()
    assert '<html lang="zh-CN">' in html
    assert "<title>区域差距</title>" in html
    assert '<span class="sub">Regional disparity</span>' in html
    assert "第二段。" in html and "Second" not in html
    assert "方法与来源" in html


def test_unknown_language_is_rejected():
    with pytest.raises(DataError, match="expected 'en' or 'zh'"):
        Report("a", "b", lang="fr")


def test_only_sections_are_added():
    with pytest.raises(DataError, match="not a Section"):
        Report("a", "b").add("text")  # type: ignore[arg-type]


def test_table_caption_from_attrs_and_missing_text_falls_back():
    t = pd.DataFrame({"x": [1.0, float("nan")]})
    t.attrs["caption_en"] = "Scores"
    t.attrs["caption_zh"] = "得分"
    html = Report("a", "b", lang="zh").add(Section("S", "节", text_en="only english", tables=[t])).render()
    assert "<strong>得分</strong>" in html and ">Scores</span>" in html
    assert "only english" in html  # the other language when this one is empty
    assert "<td>–</td>" in html  # NaN shown as a dash
