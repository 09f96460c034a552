"""The scheme registry: name -> rule set + one pure formula over a data frame's columns.

A :class:`Scheme` says which rule set it reads, which data columns it needs, which rule
parameters (scalars, dated) and per-region inputs (data columns declared under
``inputs:`` in the rule file, overridable by a reform) feed its formula, and which column
holds the regions' own resources before its money (for the disparity after transfers).

The formula is written once, with NumPy operations only, and runs on Decimal object
arrays (the exact run, amounts rounded to the fen) and on float64 arrays (vectorised
sweeps over thousands of reforms).  ``data`` maps column -> array of shape (n,);
``params`` maps parameter or input name -> array broadcastable to (K, n) — scalars
arrive as (K, 1), per-region inputs as (1, n) or (K, n); the result has shape (K, n),
positive = the region receives.

Adding a scheme is a few lines (the central pension adjustment fund, for example)::

    register_scheme(Scheme(
        name="pension_adjustment_fund", rule_set="pension_adjustment_fund",
        title_en="Central pension adjustment fund", title_zh="养老保险基金中央调剂",
        columns=("population", "wage_base", "insured", "retirees"),
        parameters=("contribution_rate", "per_retiree_allocation"),
        resources="wage_base", formula="...", payer_en="central fund", payer_zh="中央调剂基金",
        compute=my_vectorised_formula,
    ))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from regcoord.errors import DataError
from regcoord.public_services.pension_adjustment import reform_formula as pension_reform_formula
from regcoord.reform._reform import Formula

__all__ = ["Scheme", "get_scheme", "register_scheme", "schemes"]


@dataclass(frozen=True)
class Scheme:
    """One transfer or payment scheme that a reform can change."""

    name: str
    rule_set: str
    title_en: str
    title_zh: str
    columns: tuple[str, ...]
    parameters: tuple[str, ...]
    compute: Formula
    resources: str
    formula: str
    payer_en: str
    payer_zh: str
    inputs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.columns, *self.inputs, self.resources)))

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang == "zh" else self.title_en


_SCHEMES: dict[str, Scheme] = {}


def register_scheme(scheme: Scheme) -> Scheme:
    """Add ``scheme`` to the registry (replacing one of the same name)."""
    _SCHEMES[scheme.name] = scheme
    return scheme


def schemes() -> tuple[Scheme, ...]:
    """Every registered scheme, in registration order."""
    return tuple(_SCHEMES.values())


def get_scheme(name: str) -> Scheme:
    """The scheme called ``name`` (or one of its aliases)."""
    if name in _SCHEMES:
        return _SCHEMES[name]
    for s in _SCHEMES.values():
        if name in s.aliases:
            return s
    known = ", ".join(f"{s.name} ({'/'.join(s.aliases)})" if s.aliases else s.name for s in _SCHEMES.values())
    raise DataError(f"unknown scheme {name!r}", column="scheme", expected=f"one of {known}")


def _zero_like(a: np.ndarray) -> np.ndarray:
    return a * 0


def china_balanced_formula(data: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> np.ndarray:
    """``T_i = max(0, E_i - R_i) * c_i`` (财预〔2022〕58号); without the gap-only rule ``(E_i - R_i) * c_i``."""
    gap = (data["standard_expenditure"] - data["standard_revenue"])[None, :]
    only = np.asarray(params["gap_regions_only"], dtype=bool)
    gap = np.where(only & (np.asarray(gap < 0, dtype=bool)), _zero_like(gap), gap)
    return gap * params["coefficient"]


def germany_formula(data: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> np.ndarray:
    """FAG §10, §11 from 2020: VAT surcharge/deduction plus general supplementary grant.

    ``EQ_i = (sum FK / sum pop) * pop_i``, ``A_i = rate * (EQ_i - FK_i)`` (horizontal, sums to
    zero), ``B_i = srate * max(0, thr * EQ_i - (FK_i + A_i))`` (federal); amount ``A_i + B_i``.
    City-state population weights are not applied here.
    """
    pop, fk = data["population"], data["capacity"]
    eq = fk.sum() / pop.sum() * pop
    a = params["vat_adjustment_rate"] * (eq - fk)[None, :]
    short = params["supplementary_threshold"] * eq[None, :] - (fk[None, :] + a)
    short = np.where(np.asarray(short > 0, dtype=bool), short, _zero_like(short))
    return a + params["supplementary_rate"] * short


register_scheme(
    Scheme(
        name="china_balanced_transfer",
        rule_set="china_balanced_transfer",
        title_en="China central balanced transfer",
        title_zh="中央对地方均衡性转移支付",
        columns=("standard_expenditure", "standard_revenue"),
        parameters=("gap_regions_only",),
        inputs=("coefficient",),
        compute=china_balanced_formula,
        resources="standard_revenue",
        formula="T_i = max(0, E_i - R_i) * c_i",
        payer_en="central government",
        payer_zh="中央财政",
        aliases=("china",),
    )
)
register_scheme(
    Scheme(
        name="germany_fag",
        rule_set="germany_fag",
        title_en="German fiscal equalization (FAG 2020)",
        title_zh="德国财政均衡（2020 年财政均衡法）",
        columns=("population", "capacity"),
        parameters=("vat_adjustment_rate", "supplementary_threshold", "supplementary_rate"),
        compute=germany_formula,
        resources="capacity",
        formula="A_i = rate (EQ_i - FK_i); B_i = srate max(0, thr EQ_i - FK_i - A_i)",
        payer_en="horizontal (VAT) and federal government",
        payer_zh="横向（增值税）与联邦财政",
        aliases=("germany",),
    )
)
register_scheme(
    Scheme(
        name="pension_central_adjustment",
        rule_set="pension_central_adjustment",
        title_en="Central adjustment of the enterprise employees' basic pension fund",
        title_zh="企业职工基本养老保险基金中央调剂",
        columns=("average_wage", "insured_workers", "retirees"),
        parameters=("rate", "wage_base_ratio"),
        compute=pension_reform_formula,
        resources="fund_balance",
        formula="net_i = R_i / sum R * sum_j w_j b N_j r - w_i b N_i r (国发〔2018〕18号)",
        payer_en="central adjustment fund (provinces pay in, retirees' provinces receive)",
        payer_zh="中央调剂基金（各省上解、按离退休人数拨付）",
        aliases=("pension", "pension-adjustment"),
    )
)
