"""One validation helper for every public ``measure`` entry point.

Every measure takes ``values`` shaped ``(n_regions,)`` (one cross-section) or
``(n_years, n_regions)`` (a whole panel: rows are years), optional ``weights`` of the
same shape (or ``(n_regions,)``, broadcast over years), and labels.  This module turns
them into float arrays of shape ``(n_years, n_regions)`` with weights normalised to
shares summing to 1 in each year, or raises :class:`~regcoord.errors.DataError` naming
what is wrong — never silently changing the data (PySAL's ``SMALL`` fudge for zeros is
exactly what we refuse).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from regcoord.data import Panel, PanelMatrix
from regcoord.errors import DataError

#: ``progress(done, total)``: the optional callback of every long-running measure function
#: (permutations, bootstrap, Monte Carlo); the core never prints.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Checked:
    """Validated inputs: ``x`` and ``p`` of shape (T, n); ``p`` rows sum to 1."""

    x: np.ndarray
    p: np.ndarray
    years: tuple[int, ...] | None
    regions: tuple[str, ...] | None
    weighted: bool
    squeeze: bool  # the input was one cross-section


def check_inputs(
    values: ArrayLike | PanelMatrix,
    *,
    weights: ArrayLike | PanelMatrix | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    positive: bool = True,
    nonnegative: bool = False,
    name: str = "values",
    min_regions: int = 2,
) -> Checked:
    """Validate values and weights once; see the module docstring.

    ``positive=True`` requires every value > 0 (logs and shares); ``nonnegative=True``
    allows zeros (Gini, CV).  Weights must be finite, non-negative and not all zero in
    a year.
    """
    if isinstance(values, PanelMatrix):
        years = years if years is not None else values.years
        regions = regions if regions is not None else values.regions
        name = values.indicator
        values = values.values
    x = np.asarray(values, dtype=float)
    squeeze = x.ndim == 1
    if squeeze:
        x = x[None, :]
    if x.ndim != 2:
        raise DataError(f"{name} must be 1-D (regions) or 2-D (years x regions), got shape {x.shape}")
    T, n = x.shape
    if n < min_regions:
        raise DataError(f"{name} has {n} region(s)", expected=f"at least {min_regions}")
    _check_finite(x, name, years, regions)
    if positive:
        _check_sign(x, name, years, regions, strict=True)
    elif nonnegative:
        _check_sign(x, name, years, regions, strict=False)
    if years is not None and len(years) != T:
        raise DataError(f"{len(years)} year labels for {T} rows of {name}")
    if regions is not None and len(regions) != n:
        raise DataError(f"{len(regions)} region labels for {n} columns of {name}")
    if weights is None:
        p = np.full((T, n), 1.0 / n)
        weighted = False
    else:
        wname = "weights"
        if isinstance(weights, PanelMatrix):
            wname = weights.indicator
            weights = weights.values
        w = np.asarray(weights, dtype=float)
        if w.ndim == 1:
            w = np.broadcast_to(w, (T, n))
        if w.shape != (T, n):
            raise DataError(f"{wname} has shape {w.shape}", expected=f"shape {(T, n)} like {name}")
        if np.isnan(w).any():
            t, i = np.argwhere(np.isnan(w))[0]
            raise DataError(
                f"weight missing for {_where(t, i, years, regions)}",
                column=wname,
                expected="a weight for every region and year",
            )
        _check_finite(w, wname, years, regions)
        _check_sign(w, wname, years, regions, strict=False)
        tot = w.sum(axis=1, keepdims=True)
        if (tot <= 0).any():
            t = int(np.flatnonzero(tot[:, 0] <= 0)[0])
            raise DataError(f"{wname} sum to zero in {_year(t, years)}", expected="positive total weight")
        p = w / tot
        weighted = True
    return Checked(
        x,
        p,
        tuple(years) if years is not None else None,
        tuple(regions) if regions is not None else None,
        weighted,
        squeeze,
    )


def check_groups(
    groups: Sequence[object] | np.ndarray, n: int, *, name: str = "groups"
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer group index per region (shape (n,)) and the group labels in order of first appearance."""
    g = np.asarray(groups, dtype=object)
    if g.shape != (n,):
        raise DataError(f"{name} has {g.size} entries for {n} regions", expected="one group per region")
    labels: list[str] = []
    index = np.empty(n, dtype=np.intp)
    seen: dict[str, int] = {}
    for i, v in enumerate(g):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            raise DataError(f"region {i} has no group", column=name, expected="a group for every region")
        key = str(v)
        if key not in seen:
            seen[key] = len(labels)
            labels.append(key)
        index[i] = seen[key]
    return index, tuple(labels)


def from_panel(
    panel: Panel,
    value: str,
    *,
    weight: str | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> tuple[PanelMatrix, PanelMatrix | None]:
    """Dense matrices of a value (and weight) indicator over common complete years and regions."""
    v = panel.wide(value)
    if weight is not None:
        w = panel.wide(weight)
        common_years = [y for y in v.columns if y in w.columns]
        if years is None:
            years = [int(y) for y in common_years]
        if not years:
            raise DataError(
                f"{value} and {weight} share no year",
                source=panel.source,
                column=weight,
                expected="a weight for every year of the values",
            )
    vm = panel.matrix(value, years=years, regions=regions)
    wm = panel.matrix(weight, years=vm.years, regions=vm.regions) if weight is not None else None
    return vm, wm


def check_count(value: Any, name: str, *, minimum: int) -> int:
    """A whole number ``>= minimum`` (permutations, replications, draws) as ``int``.

    Raises :class:`DataError` naming the parameter for anything else: a bool, a fraction,
    a non-number, NaN or infinity, or a value below ``minimum``.
    """
    try:
        whole = not isinstance(value, bool) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole or value < minimum:
        raise DataError(f"{name} is {value!r}", expected=f"a whole number >= {minimum}")
    return int(value)


def _year(t: int, years: Sequence[int] | None) -> str:
    return f"year {years[t]}" if years is not None else f"row {t}"


def _where(t: int, i: int, years: Sequence[int] | None, regions: Sequence[str] | None) -> str:
    r = f"region {regions[i]}" if regions is not None else f"region #{i}"
    return f"{r} in {_year(t, years)}"


def _check_finite(
    a: np.ndarray, name: str, years: Sequence[int] | None, regions: Sequence[str] | None
) -> None:
    bad = ~np.isfinite(a)
    if bad.any():
        t, i = np.argwhere(bad)[0]
        raise DataError(
            f"{name} is {a[t, i]} for {_where(t, i, years, regions)}", column=name, expected="a finite number"
        )


def _check_sign(
    a: np.ndarray, name: str, years: Sequence[int] | None, regions: Sequence[str] | None, *, strict: bool
) -> None:
    bad = a <= 0 if strict else a < 0
    if bad.any():
        t, i = np.argwhere(bad)[0]
        raise DataError(
            f"{name} is {a[t, i]:g} for {_where(t, i, years, regions)}",
            column=name,
            expected="a positive value (it enters a log or a share)" if strict else "a non-negative value",
        )
