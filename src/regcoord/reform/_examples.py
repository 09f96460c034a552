"""An ILLUSTRATIVE provincial data set for the reform workbench and demos.

regcoord bundles no provincial fiscal figures (no redistributable source of standard
revenue, standard expenditure or transfer coefficients was found), so every fiscal
number here is illustrative, built by a stated rule from two real series of the bundled
NBS panel (year-end population, 10,000 persons; GDP, 100 million yuan):

* ``standard_revenue_i = 8% x GDP_i`` (an illustrative effective rate, yuan);
* ``standard_expenditure_i = 1.2 x population_i x sum_j R_j / sum_j population_j``
  (illustrative needs: 1.2 times the national revenue per head, yuan);
* ``coefficient_i = 0.5`` (illustrative); ``capacity_i = standard_revenue_i``.

Population (persons) and the region codes are real; nothing fiscal is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from regcoord.data import load
from regcoord.errors import DataError

__all__ = ["ILLUSTRATIVE_NOTE", "illustrative_provinces", "mark_illustrative"]

#: what a page or a result says about the example data (en, zh)
ILLUSTRATIVE_NOTE = (
    "Illustrative fiscal numbers: standard revenue = 8% of GDP, standard expenditure = 1.2 x the "
    "national revenue per head x population, coefficient 0.5. Only population and GDP are real "
    "(NBS, bundled panel); regcoord bundles no provincial fiscal figures.",
    "示意性财政数据：标准收入 = GDP × 8%，标准支出 = 全国人均收入 × 1.2 × 人口，系数 0.5。"
    "仅人口与 GDP 为真实数据（国家统计局，内置面板）；regcoord 未内置各省财政数据。",
)

_RATE = Decimal("0.08")
_NEEDS = Decimal("1.2")
_COEFFICIENT = Decimal("0.5")


def illustrative_provinces(year: int = 2023) -> pd.DataFrame:
    """31 provinces (``region`` = GB/T 2260 code) with illustrative fiscal columns (see module)."""
    panel = load("china")
    try:
        gdp = panel.wide("gdp")[year]
        pop = panel.wide("population")[year]
    except KeyError:
        raise DataError(
            f"the bundled panel has no GDP and population for {year}", expected="2015..2023"
        ) from None
    codes = [str(c) for c in gdp.index]
    persons = [Decimal(str(pop[c])) * 10_000 for c in codes]
    revenue = [(Decimal(str(gdp[c])) * 100_000_000 * _RATE).quantize(Decimal("0.01")) for c in codes]
    per_head = sum(revenue, Decimal(0)) / sum(persons, Decimal(0))
    expenditure = [(_NEEDS * per_head * p).quantize(Decimal("0.01")) for p in persons]
    return pd.DataFrame(
        {
            "region": codes,
            "population": persons,
            "standard_expenditure": expenditure,
            "standard_revenue": revenue,
            "coefficient": [_COEFFICIENT] * len(codes),
            "capacity": revenue,
        }
    )


def mark_illustrative(payload: dict[str, Any]) -> dict[str, Any]:
    """A run's JSON (``SchemeRun.to_dict()``) marked as computed on the illustrative data:
    ``illustrative: true``, the note, and the note first in both headlines."""
    out = dict(payload)
    out["illustrative"] = True
    out["illustrative_note"] = {"en": ILLUSTRATIVE_NOTE[0], "zh": ILLUSTRATIVE_NOTE[1]}
    out["headline"] = {
        "en": f"{ILLUSTRATIVE_NOTE[0]} {payload['headline']['en']}",
        "zh": f"{ILLUSTRATIVE_NOTE[1]} {payload['headline']['zh']}",
    }
    return out
