"""Disparity of per-capita resources after transfers, for K scenarios at once (regcoord.measure).

For scenario k and region i with own resources ``R_i``, amount ``T_ki`` and population
``P_i``: ``x_ki = (R_i + T_ki) / P_i`` weighted by ``P_i`` (without population: ``R_i +
T_ki``, unweighted).  Indices from :mod:`regcoord.measure` with the K scenarios as rows
(its "years" axis), so one call measures a whole sweep:

* ``cv``: Williamson's population-weighted CV when population is given, else the plain CV;
* ``gini``, ``theil_t``, ``theil_l``: population-weighted when population is given;
* Theil T and L split between and within plates (Shorrocks 1980) when plates are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from regcoord.errors import DataError
from regcoord.measure import cv, gini, theil_decomposition, theil_l, theil_t, williamson_cv

__all__ = ["INDICES", "Disparity", "disparity_rows"]

INDICES = ("cv", "gini", "theil_t", "theil_l")


@dataclass(frozen=True)
class Disparity:
    """Disparity of one scenario (floats), with the between/within split by plate if known."""

    cv: float
    gini: float
    theil_t: float
    theil_l: float
    weighted: bool
    theil_t_between: float | None = None
    theil_t_within: float | None = None
    theil_l_between: float | None = None
    theil_l_within: float | None = None

    def __getitem__(self, name: str) -> float:
        if name not in INDICES:
            raise DataError(f"unknown disparity index {name!r}", expected=f"one of {', '.join(INDICES)}")
        return float(getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "cv": self.cv,
            "gini": self.gini,
            "theil_t": self.theil_t,
            "theil_l": self.theil_l,
            "weighted": self.weighted,
            "theil_t_between": self.theil_t_between,
            "theil_t_within": self.theil_t_within,
            "theil_l_between": self.theil_l_between,
            "theil_l_within": self.theil_l_within,
        }


def disparity_rows(
    resources: np.ndarray,
    amounts: np.ndarray,
    population: np.ndarray | None,
    groups: Sequence[str] | None,
    *,
    split: bool = True,
    regions: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Every index for each row of ``amounts`` (shape (K, n)); arrays of shape (K,)."""
    x = resources[None, :] + amounts
    if population is not None:
        x = x / population[None, :]
    if (x <= 0).any():
        k, i = np.argwhere(x <= 0)[0]
        raise DataError(
            f"resources after transfers are {x[k, i]:.6g} in region "
            f"{regions[i] if regions is not None else i + 1!r} (scenario {k + 1})",
            column="resources",
            expected="positive resources after transfers (Theil L takes logs)",
        )
    w = population
    out = {
        "cv": (williamson_cv(x, weights=w) if w is not None else cv(x)).values,
        "gini": gini(x, weights=w).values,
        "theil_t": theil_t(x, weights=w).values,
        "theil_l": theil_l(x, weights=w).values,
    }
    if split and groups is not None:
        for kind in ("T", "L"):
            d = theil_decomposition(x, list(groups), weights=w, kind=kind)  # type: ignore[arg-type]
            out[f"theil_{kind.lower()}_between"] = d.between
            out[f"theil_{kind.lower()}_within"] = d.within
    return out


def disparity_at(rows: dict[str, np.ndarray], k: int, weighted: bool) -> Disparity:
    def opt(name: str) -> float | None:
        return float(rows[name][k]) if name in rows else None

    return Disparity(
        cv=float(rows["cv"][k]),
        gini=float(rows["gini"][k]),
        theil_t=float(rows["theil_t"][k]),
        theil_l=float(rows["theil_l"][k]),
        weighted=weighted,
        theil_t_between=opt("theil_t_between"),
        theil_t_within=opt("theil_t_within"),
        theil_l_between=opt("theil_l_between"),
        theil_l_within=opt("theil_l_within"),
    )
