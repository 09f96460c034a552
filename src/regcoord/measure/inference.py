"""Inference for inequality measures: permutation tests and bootstrap intervals.

Both run all replications in batched array passes (chunked to bound memory) instead of a
Python loop per replication, and take an explicit ``seed`` for a NumPy ``Generator``:
the same seed gives the same result.  Progress is reported through ``progress(done,
total)``; nothing is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.measure._validation import Progress, check_count, check_groups
from regcoord.measure.decomposition import Kind, TheilDecomposition, _check_kind, theil_decomposition
from regcoord.measure.inequality import (
    InequalityResult,
    Values,
    Weights,
    _all_indices,
    _check_epsilon,
    _checked,
    _result_from,
    _year_index,
)

__all__ = ["BootstrapResult", "PermutationResult", "bootstrap", "permutation_test"]


#: elements (years x replications x regions) handled per array pass
_CHUNK_ELEMENTS = 2_000_000
#: simulated values within this relative distance of the observed one count as ties (>=)
_TIE_RTOL = 1e-10


# -- permutation test of the between-group share -----------------------------------------------------
@dataclass(frozen=True, eq=False)
class PermutationResult(FrameHTML):
    """Permutation inference on the between-group component of a Theil decomposition.

    ``simulated_between`` has shape ``(permutations, T)``; ``p_value`` (T,) is
    (1 + #{simulated >= observed}) / (1 + permutations) per year.  The total is the same
    under every permutation, so the test of the between component is the test of the
    between share.
    """

    observed: TheilDecomposition
    simulated_between: np.ndarray
    p_value: np.ndarray
    permutations: int
    seed: int | None

    @property
    def years(self) -> tuple[int, ...] | None:
        return self.observed.years

    @property
    def expected_between(self) -> np.ndarray:
        return self.simulated_between.mean(axis=0)

    @property
    def sd_between(self) -> np.ndarray:
        return self.simulated_between.std(axis=0)

    @property
    def z(self) -> np.ndarray:
        sd = self.sd_between
        out = np.full_like(sd, np.nan)
        np.divide(self.observed.between - self.expected_between, sd, out=out, where=sd > 0)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.observed.kind,
            "weighted": self.observed.weighted,
            "permutations": self.permutations,
            "seed": self.seed,
            "years": list(self.years) if self.years is not None else None,
            "groups": list(self.observed.groups),
            "between": self.observed.between.tolist(),
            "between_share": self.observed.between_share.tolist(),
            "expected_between": self.expected_between.tolist(),
            "sd_between": self.sd_between.tolist(),
            "z": self.z.tolist(),
            "p_value": self.p_value.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "between": self.observed.between,
                "between_share": self.observed.between_share,
                "expected_between": self.expected_between,
                "sd_between": self.sd_between,
                "z": self.z,
                "p_value": self.p_value,
            },
            index=_year_index(self.years, len(self.p_value)),
        )


def permutation_test(
    values: Values,
    groups: Sequence[object] | np.ndarray,
    *,
    weights: Weights = None,
    kind: Kind = "T",
    permutations: int = 999,
    seed: int | None = None,
    progress: Progress | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> PermutationResult:
    """Random-reassignment test of the between-group Theil component (Rey and Sastré-Gutiérrez 2010).

    Under the null, group membership is unrelated to the values: regions are reassigned
    to groups at random keeping the group sizes (each region keeps its value and weight
    in every year, as PySAL's ``TheilDSim`` permutes whole rows).  For each permutation
    and year the between component

    .. math::
        B_T = \\sum_g \\frac{S_g}{\\mu} \\ln \\frac{S_g}{P_g \\mu}, \\qquad
        B_L = \\sum_g P_g \\ln \\frac{P_g \\mu}{S_g}
        \\qquad (S_g = \\sum_{i \\in g} p_i x_i)

    is recomputed; the pseudo p-value is :math:`(1 + \\#\\{B^{sim} \\ge B^{obs}\\}) /
    (1 + \\text{permutations})`, simulated values within a relative 1e-10 of the observed
    one counting as ties.  All permutations are drawn as one ``(permutations, n)`` label
    array (``Generator.permuted``) and their group sums for all years computed as one
    sparse one-hot matrix product per chunk.

    Rey, S. J. and Sastré-Gutiérrez, M. L. (2010), Interregional inequality dynamics in
    Mexico, Spatial Economic Analysis 5(3), 277-298.
    """
    kind = _check_kind(kind)
    perms = check_count(permutations, "permutations", minimum=1)
    observed = theil_decomposition(values, groups, weights=weights, kind=kind, years=years, regions=regions)
    c = _checked(values, weights, years, regions, positive=kind == "L")
    T, n = c.x.shape
    index, labels = check_groups(groups, n)
    k = len(labels)
    px = c.p * c.x
    mu = px.sum(axis=1)  # (T,)
    rng = np.random.default_rng(seed)
    # Group sums of every permutation as one sparse product: B (n, m*K) has a single 1 per
    # region and permutation, at column perm*K + group; B.T @ [p*x | p] gives (m*K, years).
    same_p = bool((c.p == c.p[:1]).all())  # unweighted or time-invariant weights: P needs one column
    X = np.ascontiguousarray(np.hstack([px.T, c.p[:1].T if same_p else c.p.T]))  # (n, T + 1 or 2T)
    chunk = max(1, min(perms, _CHUNK_ELEMENTS // n, _CHUNK_ELEMENTS // (k * X.shape[1])))
    sims = np.empty((perms, T))
    base = np.broadcast_to(index, (chunk, n))
    mu3 = mu[None, :, None]
    for start in range(0, perms, chunk):
        m = min(chunk, perms - start)
        labs = rng.permuted(base[:m], axis=1)  # (m, n): each row a random reassignment
        cols = (labs + k * np.arange(m)[:, None]).T.ravel()  # row i: its column in each permutation
        B = sp.csr_matrix((np.ones(n * m), cols, np.arange(0, n * m + 1, m)), shape=(n, m * k))
        sums = np.asarray(B.T @ X).reshape(m, k, -1).transpose(0, 2, 1)  # (m, T + ., K)
        S = sums[:, :T]
        P = sums[:, T:]  # (m, 1 or T, K), broadcasts over years
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "T":
                term = np.where(S > 0, (S / mu3) * np.log(S / (P * mu3)), 0.0)
            else:
                term = np.where(P > 0, P * np.log(P * mu3 / S), 0.0)
        sims[start : start + m] = term.sum(axis=2)
        if progress is not None:
            progress(start + m, perms)
    obs = observed.between
    tol = _TIE_RTOL * np.maximum(np.abs(obs), np.abs(observed.total))
    count = (sims >= (obs - tol)[None, :]).sum(axis=0)
    return PermutationResult(
        observed=observed,
        simulated_between=sims,
        p_value=(1.0 + count) / (1.0 + perms),
        permutations=perms,
        seed=seed,
    )


# -- bootstrap ----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class BootstrapResult(FrameHTML):
    """Percentile bootstrap intervals for every index of :func:`~regcoord.measure.inequality.inequality`.

    ``replicates`` maps each index name (``cv``, ..., ``atkinson_0.5``) to an array of
    shape ``(replications, T)``; ``lower``/``upper``/``standard_error`` map it to ``(T,)``.
    """

    estimate: InequalityResult
    replicates: dict[str, np.ndarray]
    lower: dict[str, np.ndarray]
    upper: dict[str, np.ndarray]
    standard_error: dict[str, np.ndarray]
    ci: float
    replications: int
    seed: int | None

    @property
    def years(self) -> tuple[int, ...] | None:
        return self.estimate.years

    def intervals(self, t: int) -> dict[str, Any]:
        """Year ``t``'s intervals as ``{index: [lo, hi]}``, Atkinson as ``{"atkinson": {eps: [lo, hi]}}``."""
        out: dict[str, Any] = {}
        atk: dict[str, list[float]] = {}
        for name in self.lower:
            pair = [float(self.lower[name][t]), float(self.upper[name][t])]
            if name.startswith("atkinson_"):
                atk[name.removeprefix("atkinson_")] = pair
            else:
                out[name] = pair
        out["atkinson"] = atk
        return out

    def to_dict(self) -> dict[str, Any]:
        T = len(self.estimate.gini)
        return {
            "ci": self.ci,
            "replications": self.replications,
            "seed": self.seed,
            "estimate": self.estimate.to_dict(),
            "intervals": [self.intervals(t) for t in range(T)],
        }

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (year, index) with estimate, lower, upper and standard error."""
        cols = self.estimate.columns()
        T = len(self.estimate.gini)
        years = list(self.years) if self.years is not None else list(range(T))
        rows = [
            (years[t], name, float(cols[name][t]), float(self.lower[name][t]), float(self.upper[name][t]),
             float(self.standard_error[name][t]))
            for t in range(T)
            for name in cols
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["year", "index", "estimate", "lower", "upper", "standard_error"])
        return frame.set_index(["year", "index"])


def bootstrap(
    values: Values,
    *,
    weights: Weights = None,
    replications: int = 999,
    seed: int | None = None,
    ci: float = 0.95,
    epsilons: Sequence[float] = (0.5, 1.0, 2.0),
    progress: Progress | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> BootstrapResult:
    """Nonparametric bootstrap percentile intervals for every inequality index (Efron 1979).

    Each replication draws n regions with replacement (a region keeps its whole series
    and its weight; weights are renormalized within the sample) and recomputes all
    indices of :func:`~regcoord.measure.inequality.inequality`.  The interval is the
    ((1 - ci)/2, (1 + ci)/2) percentile range of the replicates (Efron and Tibshirani
    1993, ch. 13); ``standard_error`` is their standard deviation.  Replications are
    stacked into one ``(years x replications, n)`` array per chunk.  For ``max_min_ratio``
    the interval is unreliable (no resample can exceed the sample's range, so the upper
    bound sits at the estimate); it is reported for completeness.
    """
    reps = check_count(replications, "replications", minimum=1)
    if not (0.0 < ci < 1.0):
        raise DataError(f"confidence level {ci}", expected="a number between 0 and 1, e.g. 0.95")
    eps = tuple(_check_epsilon(e) for e in epsilons)
    c = _checked(values, weights, years, regions, positive=True)
    T, n = c.x.shape
    estimate = _result_from(c.x, c.p, eps, c.years, c.weighted)
    names = list(estimate.columns())
    reps_out = {name: np.empty((reps, T)) for name in names}
    rng = np.random.default_rng(seed)
    chunk = max(1, min(reps, _CHUNK_ELEMENTS // (T * n)))
    for start in range(0, reps, chunk):
        m = min(chunk, reps - start)
        draw = rng.integers(0, n, size=(m, n))
        xb = c.x[:, draw].reshape(T * m, n)
        pb = c.p[:, draw].reshape(T * m, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            pb = pb / pb.sum(axis=1, keepdims=True)  # a sample of zero-weight regions only gives NaN
            d = _all_indices(xb, pb, eps)
        for name in names:
            reps_out[name][start : start + m] = d[name].reshape(T, m).T
        if progress is not None:
            progress(start + m, reps)
    alpha = (1.0 - ci) / 2.0
    lower = {k: np.nanquantile(v, alpha, axis=0) for k, v in reps_out.items()}
    upper = {k: np.nanquantile(v, 1.0 - alpha, axis=0) for k, v in reps_out.items()}
    se = {k: np.nanstd(v, axis=0, ddof=1) for k, v in reps_out.items()}
    return BootstrapResult(
        estimate=estimate,
        replicates=reps_out,
        lower=lower,
        upper=upper,
        standard_error=se,
        ci=ci,
        replications=reps,
        seed=seed,
    )
