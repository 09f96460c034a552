"""Basic public service standards monitored: gaps per region and indicator, early warning.

For region ``i``, indicator ``k`` and year ``t`` with the national minimum standard
``S_{k,t}`` (rule set ``basic_public_service_standard``, valid on 1 July of ``t``):

.. math::

    \\text{gap}_{ikt} = x_{ikt} - S_{k,t}, \\qquad \\text{ratio}_{ikt} = x_{ikt} / S_{k,t}

(``gap < 0``: below the standard).  The early warning is :func:`regcoord.measure.warning.early_warning`
with one ``threshold`` rule per indicator on ``ratio`` (``direction: below``), bands from
the rule set's ``warning_bands`` (configurable default: yellow < 1, orange < 0.9, red < 0.8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from regcoord.errors import DataError
from regcoord.measure.warning import Rule, RuleSet, WarningResult, early_warning
from regcoord.public_services._common import cell, require_columns
from regcoord.rules import RuleSet as DatedRuleSet
from regcoord.rules import load_rule_set

__all__ = ["StandardGaps", "standard_gaps"]

RULE_SET = "basic_public_service_standard"


@dataclass(frozen=True)
class StandardGaps:
    """Gap and attainment ratio per region, indicator and year; warning levels per region-year."""

    gaps: pd.DataFrame  # region, year, indicator, value, standard, unit, gap, ratio, source, label
    warning: WarningResult
    skipped: tuple[str, ...]  # indicator-years without a standard

    def below(self) -> pd.DataFrame:
        """The rows below the standard."""
        return self.gaps[self.gaps["gap"] < 0].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}
            for r in self.gaps.to_dict(orient="records")
        ]
        return {"gaps": rows, "skipped": list(self.skipped), "warning": self.warning.to_dict()}


def standard_gaps(
    data: pd.DataFrame,
    *,
    indicators: Sequence[str] | None = None,
    rules: DatedRuleSet | None = None,
    extra_standards: Mapping[str, Any] | None = None,
) -> StandardGaps:
    """Gaps of per-capita indicators against the national standards (module docstring).

    ``data``: columns ``region``, ``year`` and one column per indicator named as the
    rule set's ``standard.<indicator>`` (e.g. ``resident_basic_pension``).
    ``extra_standards``: user standards ``{indicator: value}`` for indicators the rule
    set lacks (education, social assistance), applied to every year.
    """
    rs = rules if rules is not None else load_rule_set(RULE_SET)
    require_columns(data, ("region", "year"), "service indicators")
    known = {n.removeprefix("standard.") for n in rs.parameter_names if n.startswith("standard.")}
    extra = {str(k): Decimal(str(v)) for k, v in (extra_standards or {}).items()}
    for k, v in extra.items():
        if v <= 0:
            raise DataError(f"user standard {k} = {v}", column=k, expected="a value > 0")
    cols = (
        list(indicators) if indicators is not None else [c for c in data.columns if c in known or c in extra]
    )
    if not cols:
        raise DataError(
            "no indicator column with a standard", expected=f"one of {', '.join(sorted(known | set(extra)))}"
        )
    rows = []
    skipped: list[str] = []
    years: list[int] = []
    for i in range(len(data)):
        try:
            years.append(int(str(data["year"].iloc[i]).strip()))
        except ValueError:
            raise DataError(
                f"{data['year'].iloc[i]!r}", row=i + 1, column="year", expected="a year"
            ) from None
    for c in cols:
        if c not in data.columns:
            raise DataError(f"indicator {c!r} is missing", column=c, expected="a column per indicator")
        for y in sorted(set(years)):
            snap = rs.at(dt.date(y, 7, 1)) if c in known else None
            p = snap.params.get(f"standard.{c}") if snap is not None else None
            if p is None and c not in extra:
                skipped.append(f"{c} {y}")
                continue
            std = Decimal(p.value) if p is not None else extra[c]
            for i in (j for j, yy in enumerate(years) if yy == y):
                x = cell(data, i, c)
                rows.append(
                    {
                        "region": str(data["region"].iloc[i]).strip(),
                        "year": y,
                        "indicator": c,
                        "value": x,
                        "standard": std,
                        "unit": p.unit if p is not None else "user",
                        "gap": x - std,
                        "ratio": float(x / std),
                        "source": str(p.source) if p is not None else "user standard",
                        "label": p.label if p is not None else "user",
                    }
                )
    gaps = pd.DataFrame(rows)
    if gaps.empty:
        raise DataError(
            "no indicator-year has a standard", expected=f"years covered by {rs.name}: {rs.covered_ranges()}"
        )
    bands_p = rs.at(dt.date(min(years), 7, 1)).params.get("warning_bands")
    bands = {str(k): float(v) for k, v in (bands_p.value if bands_p else {"yellow": 1.0}).items()}
    wrules = []
    matrices: dict[str, pd.DataFrame] = {}
    for c in sorted(set(gaps["indicator"])):
        m = gaps[gaps["indicator"] == c].pivot(index="year", columns="region", values="ratio")
        matrices[f"{c}_ratio"] = m
        wrules.append(
            Rule(
                id=f"{c}_below_standard",
                type="threshold",
                source=f"value / national standard ({rs.title_zh}); bands: {bands_p.source if bands_p else 'default'}",
                indicator=f"{c}_ratio",
                params={"direction": "below"},
                bands=bands,
                label_en=f"{c} below the national standard",
                label_zh=f"{c} 低于国家标准",
            )
        )
    regions = sorted(set(gaps["region"]))
    yrs = sorted(set(gaps["year"]))
    arrays = {
        k: np.array(m.reindex(index=yrs, columns=regions).to_numpy(dtype=float)) for k, m in matrices.items()
    }
    warn = early_warning(
        arrays, RuleSet("basic-public-service-standards", tuple(wrules)), years=yrs, regions=regions
    )
    return StandardGaps(gaps, warn, tuple(skipped))
