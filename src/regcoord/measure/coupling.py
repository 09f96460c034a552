"""Coupling coordination degree between subsystems, and obstacle degrees.

Subsystem scores ``U_1..U_n`` in [0, 1] (e.g. pillar scores of a composite index:
economy, society, environment) give, for every unit (region or region-year):

- coupling ``C``; ``type="standard"`` (the form common in the Chinese literature):

  .. math:: C = \\frac{(\\prod_i U_i)^{1/n}}{\\frac{1}{n}\\sum_i U_i}

  (geometric over arithmetic mean; for n = 2, ``2 sqrt(U1 U2) / (U1 + U2)``).
  ``type="wang"``: Wang Shujia, Kong Wei et al. (2021), *Journal of Natural Resources*
  36(3): 793-810, who showed that the standard form crowds C near 1:

  .. math:: C = \\sqrt{\\Big[1 - \\frac{\\sum_{i>j}|U_i - U_j|}{n(n-1)/2}\\Big]
               \\Big[\\prod_i \\frac{U_i}{\\max U}\\Big]^{1/(n-1)}}

- comprehensive index ``T = sum_i alpha_i U_i`` (alpha sums to 1; equal by default);
- coordination degree ``D = sqrt(C T)`` and its grade among ten 0.1-wide bands
  (extreme imbalance 极度失调 ... quality coordination 优质协调).

Where C is 0/0 (every U of a unit is zero; for ``wang`` also max U = 0) it is NaN, D is 0
(T = 0) and the unit is listed in the result's ``notes`` — never a silent number.

Obstacle degree (which indicators hold a unit back most):
``O_j = w_j (1 - z_j) / sum_k w_k (1 - z_k)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.measure.composite import CompositeResult


@dataclass(frozen=True, slots=True)
class Grade:
    """One band of the coordination degree D: ``lower <= D < upper`` (the last band includes 1)."""

    level: int
    lower: float
    upper: float
    name_en: str
    name_zh: str


#: The ten grade bands of D used in the Chinese coupling-coordination literature (0.1 wide).
GRADES: tuple[Grade, ...] = tuple(
    Grade(i, i / 10, (i + 1) / 10, en, zh)
    for i, (en, zh) in enumerate(
        [
            ("extreme imbalance", "极度失调"),
            ("serious imbalance", "严重失调"),
            ("moderate imbalance", "中度失调"),
            ("mild imbalance", "轻度失调"),
            ("verge of imbalance", "濒临失调"),
            ("barely coordinated", "勉强协调"),
            ("primary coordination", "初级协调"),
            ("intermediate coordination", "中级协调"),
            ("good coordination", "良好协调"),
            ("quality coordination", "优质协调"),
        ]
    )
)
_CUTS = np.array([g.lower for g in GRADES[1:]])


def grade_of(d: ArrayLike) -> np.ndarray:
    """Grade level (0..9) of each coordination degree ``D`` in [0, 1] (``D >= 0.1`` is level 1, ...)."""
    arr = np.asarray(d, dtype=float)
    return np.searchsorted(_CUTS, arr, side="right").astype(np.intp)


@dataclass(frozen=True)
class CouplingResult(FrameHTML):
    """Coupling ``C``, comprehensive index ``T``, coordination ``D`` and grade per unit.

    Arrays have the shape of ``U`` without its last (subsystem) axis: ``(n_units,)`` or
    ``(n_years, n_units)``.
    """

    C: np.ndarray
    T: np.ndarray
    D: np.ndarray
    grade: np.ndarray
    alpha: np.ndarray
    type: str
    subsystems: tuple[str, ...]
    regions: tuple[str, ...] | None
    years: tuple[int, ...] | None
    notes: tuple[str, ...] = ()

    @property
    def grade_en(self) -> np.ndarray:
        return np.array([g.name_en for g in GRADES], dtype=object)[self.grade]

    @property
    def grade_zh(self) -> np.ndarray:
        return np.array([g.name_zh for g in GRADES], dtype=object)[self.grade]

    def to_frame(self) -> pd.DataFrame:
        """One row per unit (and year): C, T, D, grade level and names."""
        C = np.atleast_2d(self.C)
        T_, n = C.shape
        regions = self.regions if self.regions is not None else tuple(str(i) for i in range(n))
        years: Sequence[Any] = self.years if self.years is not None else [None] * T_
        g = np.atleast_2d(self.grade)
        return pd.DataFrame(
            {
                "region": np.tile(regions, T_),
                "year": np.repeat(list(years), n),
                "C": C.ravel(),
                "T": np.atleast_2d(self.T).ravel(),
                "D": np.atleast_2d(self.D).ravel(),
                "grade": g.ravel(),
                "grade_en": [GRADES[i].name_en for i in g.ravel()],
                "grade_zh": [GRADES[i].name_zh for i in g.ravel()],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "subsystems": list(self.subsystems),
            "alpha": self.alpha.tolist(),
            "regions": list(self.regions) if self.regions is not None else None,
            "years": list(self.years) if self.years is not None else None,
            "C": self.C.tolist(),
            "T": self.T.tolist(),
            "D": self.D.tolist(),
            "grade": self.grade.tolist(),
            "notes": list(self.notes),
        }


def coupling_coordination(
    U: ArrayLike,
    *,
    alpha: ArrayLike | None = None,
    type: Literal["standard", "wang"] = "standard",
    subsystems: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> CouplingResult:
    """Coupling C, comprehensive index T and coordination degree D (see the module docstring).

    ``U`` has subsystems on its last axis: ``(n_units, n)`` or ``(n_years, n_units, n)``,
    values in [0, 1], ``n >= 2``.  ``alpha`` (length n, non-negative, summing to 1) weights
    the subsystems in T; equal by default.  Vectorized over units and years.
    """
    u = np.asarray(U, dtype=float)
    if u.ndim not in (2, 3):
        raise DataError(
            f"U has shape {u.shape}", expected="(units, subsystems) or (years, units, subsystems)"
        )
    n = u.shape[-1]
    if n < 2:
        raise DataError(f"U has {n} subsystem(s)", expected="at least 2 subsystems")
    bad = ~np.isfinite(u) | (u < 0) | (u > 1)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(
            f"U{list(idx)} = {u[idx]}", column="U", expected="subsystem scores in [0, 1] (normalize first)"
        )
    if subsystems is not None and len(subsystems) != n:
        raise DataError(f"{len(subsystems)} subsystem names for {n} subsystems")
    if regions is not None and len(regions) != u.shape[-2]:
        raise DataError(f"{len(regions)} region labels for {u.shape[-2]} units")
    if years is not None and (u.ndim != 3 or len(years) != u.shape[0]):
        raise DataError(
            f"{len(years)} year labels for U of shape {u.shape}", expected="U of shape (years, units, n)"
        )
    a = _alpha(alpha, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        if type == "standard":
            gmean = np.exp(np.mean(np.log(u), axis=-1))
            amean = u.mean(axis=-1)
            C = gmean / amean
        elif type == "wang":
            i, j = np.triu_indices(n, k=1)
            spread = np.abs(u[..., i] - u[..., j]).sum(axis=-1) / (n * (n - 1) / 2)
            umax = u.max(axis=-1, keepdims=True)
            ratio = np.prod(u / umax, axis=-1) ** (1.0 / (n - 1))
            C = np.sqrt(np.clip(1.0 - spread, 0.0, None) * ratio)
        else:
            raise DataError(f"unknown coupling type {type!r}", expected="'standard' or 'wang'")
    T = u @ a
    undefined = ~np.isfinite(C)
    notes: list[str] = []
    if undefined.any():
        C = np.where(undefined, np.nan, np.clip(C, 0.0, 1.0))
        where = [tuple(int(v) for v in w) for w in np.argwhere(undefined)[:5]]
        notes.append(
            f"C undefined (0/0: all subsystem scores zero) at {int(undefined.sum())} unit(s), first {where}; "
            "D set to 0 there because T = 0"
        )
    else:
        C = np.clip(C, 0.0, 1.0)  # rounding only: C is a ratio of means in [0, 1]
    D = np.where(undefined, 0.0, np.sqrt(np.nan_to_num(C) * T))
    return CouplingResult(
        C=C,
        T=T,
        D=D,
        grade=grade_of(D),
        alpha=a,
        type=type,
        subsystems=tuple(subsystems) if subsystems is not None else tuple(f"U{k + 1}" for k in range(n)),
        regions=tuple(regions) if regions is not None else None,
        years=tuple(years) if years is not None else None,
        notes=tuple(notes),
    )


def _alpha(alpha: ArrayLike | None, n: int) -> np.ndarray:
    if alpha is None:
        return np.full(n, 1.0 / n)
    a = np.asarray(alpha, dtype=float)
    if a.shape != (n,):
        raise DataError(f"alpha has shape {a.shape}", expected=f"{n} subsystem weights")
    if not np.isfinite(a).all() or (a < 0).any() or not np.isclose(a.sum(), 1.0, atol=1e-9):
        raise DataError(f"alpha = {a.tolist()}", expected="non-negative weights summing to 1")
    return a


@dataclass(frozen=True)
class ObstacleResult(FrameHTML):
    """Obstacle degree of each indicator per unit; rows sum to 1 (NaN where a unit is at the ideal)."""

    degree: np.ndarray  # (..., n_indicators)
    indicators: tuple[str, ...]
    regions: tuple[str, ...] | None

    def top(self, unit: int, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` indicators holding unit ``unit`` back most (for a 2-D result)."""
        row = np.asarray(self.degree)[unit]
        order = np.argsort(-np.nan_to_num(row, nan=-1.0), kind="stable")[:k]
        return [(self.indicators[j], float(row[j])) for j in order]

    def to_frame(self) -> pd.DataFrame:
        d = np.atleast_2d(self.degree)
        if d.ndim != 2:
            d = d.reshape(-1, d.shape[-1])
        idx = list(self.regions) if self.regions is not None and len(self.regions) == d.shape[0] else None
        return pd.DataFrame(d, columns=list(self.indicators), index=idx)

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicators": list(self.indicators),
            "regions": list(self.regions) if self.regions is not None else None,
            "degree": self.degree.tolist(),
        }


def obstacle_degree(
    z: ArrayLike,
    w: ArrayLike,
    *,
    indicators: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
) -> ObstacleResult:
    """Obstacle degree ``O_j = w_j (1 - z_j) / sum_k w_k (1 - z_k)`` on the last axis of ``z``.

    ``z``: normalized indicator values in [0, 1] (benefit direction), shape ``(..., m)``;
    ``w``: indicator weights (m,), non-negative.  A unit with no deviation from the ideal
    (all ``z_j = 1`` where ``w_j > 0``) has no obstacle: its row is NaN.
    """
    zz = np.asarray(z, dtype=float)
    ww = np.asarray(w, dtype=float)
    if zz.ndim < 1 or ww.shape != (zz.shape[-1],):
        raise DataError(
            f"weights of shape {ww.shape} for z of shape {zz.shape}", expected="one weight per indicator"
        )
    if not np.isfinite(zz).all() or (zz < 0).any() or (zz > 1).any():
        raise DataError(
            "z has values outside [0, 1] or missing", column="z", expected="normalized values in [0, 1]"
        )
    if not np.isfinite(ww).all() or (ww < 0).any():
        raise DataError(f"weights {ww.tolist()}", expected="non-negative finite weights")
    if indicators is not None and len(indicators) != zz.shape[-1]:
        raise DataError(f"{len(indicators)} indicator names for {zz.shape[-1]} indicators")
    contrib = ww * (1.0 - zz)
    tot = contrib.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        deg = np.where(tot > 0, contrib / np.where(tot > 0, tot, 1.0), np.nan)
    names = tuple(indicators) if indicators is not None else tuple(f"x{j + 1}" for j in range(zz.shape[-1]))
    return ObstacleResult(deg, names, tuple(regions) if regions is not None else None)


def coupling_from_composite(
    result: CompositeResult,
    *,
    alpha: ArrayLike | None = None,
    type: Literal["standard", "wang"] = "standard",
) -> CouplingResult:
    """Coupling coordination of the pillar (subsystem) scores of a composite index.

    The pillar scores must lie in [0, 1] (min-max, rank or goalposts normalization with
    arithmetic or geometric aggregation); the spec needs at least two pillars.
    """
    if len(result.pillars) < 2:
        raise DataError(
            f"the composite index has {len(result.pillars)} pillar(s)",
            column="pillar",
            expected="at least two pillars (subsystems) in the spec",
        )
    if result.years is None:  # one cross-section
        return coupling_coordination(
            result.pillar_scores[0], alpha=alpha, type=type, subsystems=result.pillars, regions=result.regions
        )
    return coupling_coordination(
        result.pillar_scores,
        alpha=alpha,
        type=type,
        subsystems=result.pillars,
        regions=result.regions,
        years=result.years,
    )
