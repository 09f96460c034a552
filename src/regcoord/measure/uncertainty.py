"""Uncertainty and sensitivity analysis of a composite index (JRC/OECD Handbook 2008, ch. 7).

The methodological choices of a :class:`~regcoord.measure.composite.CompositeSpec` are
treated as discrete random factors:

- ``normalization`` (minmax, zscore, rank; goalposts / distance_to_target when the spec
  has them), ``weighting`` (equal, entropy, critic, pca; user when given),
  ``aggregation`` (arithmetic, geometric, topsis), ``drop_indicator`` ("none" or one
  indicator left out, the others' weights recomputed on the rest).

:func:`uncertainty_analysis` draws the factors uniformly and independently (Monte Carlo)
and reports each region's nominal rank (the spec's own choices), median rank and 5-95 %
rank interval.  :func:`sensitivity_analysis` estimates Sobol first-order and total
indices of each factor on each region's rank (Saltelli et al. 2010): the design is
SALib's Saltelli/Sobol sample on continuous factors in [0, 1) mapped to discrete choices
(``choice = floor(u * n_choices)``), and the estimators are SALib's own
``first_order`` (Saltelli 2010) and ``total_order`` (Jansen 1999) applied to all regions
at once on each region's standardized ranks, exactly as ``SALib.analyze.sobol.analyze``
does one output at a time.

Vectorization: every normalization and every (weighting, dropped indicator) weight vector
is computed once; all three aggregations are matrix products (geometric: ``exp(log z @ w)``;
TOPSIS: squared distances ``(z - ideal)^2 @ w^2``); each *distinct* configuration among
the draws is scored and ranked once and the draws index into those ranks (the factors are
discrete, so 10,000 draws hit at most ``prod(n_choices)`` configurations).  Quantiles are
computed from the distinct configurations and their draw counts, identical to
``numpy.percentile`` (linear interpolation) on the expanded draws.

Imputation (``spec.imputation``) is applied once, before the draws, exactly as
:func:`~regcoord.measure.composite.composite_index` applies it; it is not a factor.  A
step that the analysis cannot replay is refused with an error naming it, never skipped:
the outlier treatment, per-indicator normalization overrides, and benefit-of-the-doubt
weighting (each unit has its own weights, not one vector a draw could use or perturb).
Budget-allocation weights (``weighting: budget``) are one vector and can be drawn.

Geometric aggregation needs positive values: for it, each normalized indicator is mapped
linearly onto [1, 100] over the normalization pool (a monotone transform; stated in the
log), as the JRC's COINr documentation advises for geometric means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.data import Panel
from regcoord.errors import DataError
from regcoord.measure._validation import Progress, check_count
from regcoord.measure.composite import (
    AGGREGATIONS,
    CompositeSpec,
    complete_data,
    composite_index,
    compute_weights,
    normalize,
    rank_desc,
)

FACTOR_NAMES = ("normalization", "weighting", "aggregation", "drop_indicator")


@dataclass(frozen=True, slots=True)
class Factor:
    """A discrete methodological choice and its alternatives."""

    name: str
    choices: tuple[str, ...]


def default_factors(spec: CompositeSpec, *, drop_indicator: bool = True) -> tuple[Factor, ...]:
    """The alternatives JRC audits usually vary, limited to what ``spec`` supports."""
    norms = ["minmax", "zscore", "rank"]
    if all(i.goalposts is not None for i in spec.indicators):
        norms.append("goalposts")
    if all(i.target is not None for i in spec.indicators):
        norms.append("distance_to_target")
    weights = ["equal", "entropy", "critic", "pca"]
    if all(i.weight is not None for i in spec.indicators):
        weights.append("user")
    if spec.budget is not None:
        weights.append("budget")
    out = [
        Factor("normalization", tuple(norms)),
        Factor("weighting", tuple(weights)),
        Factor("aggregation", AGGREGATIONS),
    ]
    if drop_indicator and len(spec.indicators) > 1:
        out.append(Factor("drop_indicator", ("none", *spec.names)))
    return tuple(out)


_BOD_REFUSAL = (
    "weighting 'benefit_of_doubt' gives each unit its own optimal weights, which {what} cannot {verb}"
)


def _check_spec_supported(spec: CompositeSpec, what: str = "the uncertainty analysis") -> None:
    """The Monte Carlo replays normalization, weighting and aggregation only: refuse what it would skip."""
    if spec.weighting == "benefit_of_doubt":
        verb = "perturb" if what == "noisy weights" else "replay as one weight vector per draw"
        raise DataError(
            _BOD_REFUSAL.format(what=what, verb=verb),
            column="weighting",
            expected="another weighting for the analysis, e.g. spec.with_choices(weighting='equal')",
        )
    if spec.treatment != "none":
        raise DataError(
            f"the uncertainty analysis does not replay the outlier treatment ({spec.treatment!r})",
            column="treatment",
            expected="treatment 'none' (treat the data first with regcoord.measure.treatment)",
        )
    over = [i.name for i in spec.indicators if i.normalization is not None]
    if over:
        raise DataError(
            f"the uncertainty analysis varies one normalization for all indicators; overrides for {', '.join(over)}",
            column="normalization",
            expected="no per-indicator normalization in an uncertainty analysis",
        )


def _check_factors(
    spec: CompositeSpec, factors: Sequence[Factor] | Mapping[str, Sequence[str]] | None
) -> tuple[Factor, ...]:
    if factors is None:
        return default_factors(spec)
    fs = (
        tuple(Factor(k, tuple(v)) for k, v in factors.items())
        if isinstance(factors, Mapping)
        else tuple(factors)
    )
    seen = set()
    for f in fs:
        if f.name not in FACTOR_NAMES:
            raise DataError(
                f"unknown factor {f.name!r}", column="factors", expected=f"one of {', '.join(FACTOR_NAMES)}"
            )
        if f.name in seen:
            raise DataError(f"factor {f.name!r} given twice", column="factors")
        seen.add(f.name)
        if not f.choices:
            raise DataError(f"factor {f.name!r} has no choices", column="factors")
        for c in f.choices:
            if f.name == "normalization":
                spec.with_choices(normalization=c)  # validates the name and the spec's goalposts/targets
            elif f.name == "weighting":
                if c == "benefit_of_doubt":
                    raise DataError(
                        _BOD_REFUSAL.format(
                            what="the uncertainty analysis", verb="draw as a weighting choice"
                        ),
                        column="factors",
                        expected="weighting choices among equal, entropy, critic, pca, user, correlation, budget",
                    )
                spec.with_choices(weighting=c)
            elif f.name == "aggregation":
                spec.with_choices(aggregation=c)
            elif c != "none" and c not in spec.names:
                raise DataError(
                    f"drop_indicator choice {c!r}",
                    column="factors",
                    expected="'none' or an indicator of the spec",
                )
    return fs


class _Engine:
    """Precomputed normalizations and weights for one cross-section; scores configurations in batches."""

    def __init__(
        self,
        data: Panel | ArrayLike,
        spec: CompositeSpec,
        factors: tuple[Factor, ...],
        year: int | None,
        regions: Sequence[str] | None,
        groups: Sequence[Any] | None = None,
    ) -> None:
        cube, _imputed, ilog = complete_data(data, spec, regions=regions, groups=groups)
        T, n, k = cube.x.shape
        if year is None:
            t = T - 1
        elif cube.years is None or year not in cube.years:
            raise DataError(f"year {year} not in the data", column="year", expected=f"one of {cube.years}")
        else:
            t = cube.years.index(year)
        self.t, self.cube, self.spec, self.factors = t, cube, spec, factors
        self.n, self.k = n, k
        self.log: list[str] = list(ilog)
        by = {f.name: f.choices for f in factors}
        self.choices = {
            "normalization": tuple(by.get("normalization", (spec.normalization,))),
            "weighting": tuple(by.get("weighting", (spec.weighting,))),
            "aggregation": tuple(by.get("aggregation", (spec.aggregation,))),
            "drop_indicator": tuple(by.get("drop_indicator", ("none",))),
        }
        pooled = spec.pooling == "pooled"
        pool = cube.x.reshape(T * n, k) if pooled else cube.x[t]
        rows = slice(t * n, (t + 1) * n) if pooled else slice(0, n)
        # normalized values of year t, their pool extremes (TOPSIS), and the [1, 100] map (geometric)
        self.Z: list[np.ndarray] = []
        self.Zhi: list[np.ndarray] = []
        self.Zlo: list[np.ndarray] = []
        self.logZg: list[np.ndarray] = []
        for c in self.choices["normalization"]:
            z, lg = normalize(pool, c, spec.with_choices(normalization=c))
            self.log += lg
            hi, lo = z.max(axis=0), z.min(axis=0)
            span = np.where(hi > lo, hi - lo, 1.0)
            zg = np.where(hi > lo, 1.0 + 99.0 * (z[rows] - lo) / span, 50.5)
            self.Z.append(z[rows])
            self.Zhi.append(hi)
            self.Zlo.append(lo)
            self.logZg.append(np.log(zg))
        if "geometric" in self.choices["aggregation"]:
            self.log.append(
                "aggregate geometric: each normalized indicator mapped linearly onto [1, 100] over its pool"
            )
        # weights W[weighting, drop] of shape (k,), zero for a dropped indicator
        drops = self.choices["drop_indicator"]
        self.W = np.zeros((len(self.choices["weighting"]), len(drops), k))
        for a, wname in enumerate(self.choices["weighting"]):
            for d, dname in enumerate(drops):
                cols = [j for j in range(k) if spec.names[j] != dname]
                w, lg = compute_weights(pool[:, cols], wname, spec, columns=cols)
                self.W[a, d, cols] = w
                self.log += [f"{line} [drop {dname}]" if dname != "none" else line for line in lg]
        self.log = list(dict.fromkeys(self.log))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(self.choices[f]) for f in FACTOR_NAMES)

    def ranks(self, configs: np.ndarray, progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Ranks (n, n_unique) of the distinct configurations and each row's index into them."""
        uniq, inverse = np.unique(configs, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        out = np.empty((self.n, len(uniq)), dtype=np.int32)
        groups: dict[tuple[int, int], list[int]] = {}
        for u, (ni, _wi, ai, _di) in enumerate(uniq):
            groups.setdefault((int(ni), int(ai)), []).append(u)
        done = 0
        for (ni, ai), members in groups.items():
            idx = np.array(members)
            Wsel = self.W[uniq[idx, 1], uniq[idx, 3]]  # (g, k)
            agg = self.choices["aggregation"][ai]
            if agg == "arithmetic":
                s = self.Z[ni] @ Wsel.T
            elif agg == "geometric":
                s = np.exp(self.logZg[ni] @ Wsel.T)
            else:
                w2 = (Wsel**2).T
                dp = np.sqrt(np.clip(((self.Z[ni] - self.Zhi[ni]) ** 2) @ w2, 0.0, None))
                dm = np.sqrt(np.clip(((self.Z[ni] - self.Zlo[ni]) ** 2) @ w2, 0.0, None))
                tot = dp + dm
                s = np.where(tot > 0, dm / np.where(tot > 0, tot, 1.0), 0.5)
            out[:, idx] = rank_desc(s, axis=0)
            done += len(idx)
            if progress is not None:
                progress(done, len(uniq))
        return out, inverse


def _quantiles_from_counts(values: np.ndarray, counts: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``numpy.percentile(expanded, q, method='linear')`` per row, where each column of
    ``values`` (n, U) is repeated ``counts[u]`` times — without building the expansion."""
    order = np.argsort(values, axis=1, kind="stable")
    sv = np.take_along_axis(values, order, axis=1).astype(float)
    cum = np.cumsum(counts[order], axis=1)  # (n, U)
    N = int(counts.sum())
    out = np.empty((len(qs), values.shape[0]))
    rows = np.arange(values.shape[0])
    for a, q in enumerate(qs):
        h = (N - 1) * q
        lo, hi = int(np.floor(h)), int(np.ceil(h))
        vlo = sv[rows, (cum > lo).argmax(axis=1)]
        vhi = sv[rows, (cum > hi).argmax(axis=1)]
        out[a] = vlo + (h - lo) * (vhi - vlo)
    return out


@dataclass(frozen=True)
class UncertaintyResult(FrameHTML):
    """Each region's nominal rank, median rank and 5-95 % rank interval over the draws."""

    regions: tuple[str, ...]
    year: int | None
    nominal_rank: np.ndarray
    median_rank: np.ndarray
    p05_rank: np.ndarray
    p95_rank: np.ndarray
    mean_rank: np.ndarray
    factors: tuple[Factor, ...]
    n_draws: int
    n_configurations: int
    seed: int
    log: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "region": list(self.regions),
                "nominal_rank": self.nominal_rank,
                "median_rank": self.median_rank,
                "p05_rank": self.p05_rank,
                "p95_rank": self.p95_rank,
                "mean_rank": self.mean_rank,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "n_draws": self.n_draws,
            "n_configurations": self.n_configurations,
            "seed": self.seed,
            "factors": {f.name: list(f.choices) for f in self.factors},
            "regions": list(self.regions),
            "nominal_rank": self.nominal_rank.tolist(),
            "median_rank": self.median_rank.tolist(),
            "p05_rank": self.p05_rank.tolist(),
            "p95_rank": self.p95_rank.tolist(),
            "mean_rank": self.mean_rank.tolist(),
            "log": list(self.log),
        }


def draw_configurations(sizes: Sequence[int], n_draws: int, seed: int) -> np.ndarray:
    """``n_draws`` independent uniform draws of each factor's choice index, shape (n_draws, n_factors)."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.integers(0, s, size=n_draws) for s in sizes]).astype(np.intp)


def uncertainty_analysis(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    n_draws: int = 1000,
    seed: int,
    factors: Sequence[Factor] | Mapping[str, Sequence[str]] | None = None,
    year: int | None = None,
    regions: Sequence[str] | None = None,
    progress: Progress | None = None,
    groups: Sequence[Any] | None = None,
) -> UncertaintyResult:
    """Monte Carlo over the methodological choices (see the module docstring) for one year.

    ``year`` defaults to the last year of a panel; normalization and weights use the
    spec's pooling (the whole panel when pooled).  ``seed`` is required: the same seed
    gives the same draws.  ``groups``: the units' groups of a group-mean/median imputation
    of array data (as in :func:`~regcoord.measure.composite.composite_index`).
    """
    n_draws = check_count(n_draws, "n_draws", minimum=1)
    _check_spec_supported(spec)
    fs = _check_factors(spec, factors)
    eng = _Engine(data, spec, fs, year, regions, groups)
    configs = draw_configurations(eng.sizes, n_draws, seed)
    ranks_u, inverse = eng.ranks(configs, progress)
    counts = np.bincount(inverse, minlength=ranks_u.shape[1])
    p05, med, p95 = _quantiles_from_counts(ranks_u, counts, (0.05, 0.5, 0.95))
    mean = (ranks_u @ counts) / n_draws
    nominal = composite_index(eng.cube.x, spec, regions=eng.cube.regions, years=eng.cube.years)
    return UncertaintyResult(
        regions=eng.cube.regions,
        year=eng.cube.years[eng.t] if eng.cube.years is not None else None,
        nominal_rank=nominal.ranks[eng.t],
        median_rank=med,
        p05_rank=p05,
        p95_rank=p95,
        mean_rank=mean,
        factors=fs,
        n_draws=n_draws,
        n_configurations=int(ranks_u.shape[1]),
        seed=seed,
        log=tuple(
            [
                f"monte carlo: {n_draws} draws, {ranks_u.shape[1]} distinct configurations, seed {seed}",
                *eng.log,
            ]
        ),
    )


@dataclass(frozen=True)
class SobolResult(FrameHTML):
    """Sobol first-order (S1) and total (ST) indices of each factor on each region's rank."""

    regions: tuple[str, ...]
    year: int | None
    factors: tuple[Factor, ...]
    S1: np.ndarray  # (n_regions, n_factors)
    ST: np.ndarray
    S1_conf: np.ndarray
    ST_conf: np.ndarray
    n_base: int
    n_runs: int
    seed: int
    log: tuple[str, ...]
    #: second-order indices (n_regions, n_factors, n_factors), upper triangle; None unless asked for
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None

    def summary(self) -> pd.DataFrame:
        """Mean S1 and ST over the regions whose rank varies at all."""
        live = ~self.constant
        return pd.DataFrame(
            {
                "factor": [f.name for f in self.factors],
                "S1_mean": self.S1[live].mean(axis=0) if live.any() else np.zeros(len(self.factors)),
                "ST_mean": self.ST[live].mean(axis=0) if live.any() else np.zeros(len(self.factors)),
            }
        )

    @property
    def constant(self) -> np.ndarray:
        """Regions whose rank is the same in every run (indices 0 by convention)."""
        return np.asarray(self.ST.sum(axis=1) == 0) & np.asarray(self.S1.sum(axis=1) == 0)

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for i, r in enumerate(self.regions):
            for j, f in enumerate(self.factors):
                rows.append((r, f.name, self.S1[i, j], self.S1_conf[i, j], self.ST[i, j], self.ST_conf[i, j]))
        return pd.DataFrame(rows, columns=["region", "factor", "S1", "S1_conf", "ST", "ST_conf"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "factors": {f.name: list(f.choices) for f in self.factors},
            "regions": list(self.regions),
            "S1": self.S1.tolist(),
            "ST": self.ST.tolist(),
            "S1_conf": self.S1_conf.tolist(),
            "ST_conf": self.ST_conf.tolist(),
            "S2": None
            if self.S2 is None
            else [[[None if np.isnan(v) else float(v) for v in row] for row in m] for m in self.S2],
            "n_base": self.n_base,
            "n_runs": self.n_runs,
            "seed": self.seed,
            "summary": self.summary().to_dict(orient="list"),
            "log": list(self.log),
        }


def sensitivity_analysis(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    n_base: int = 256,
    seed: int,
    factors: Sequence[Factor] | Mapping[str, Sequence[str]] | None = None,
    year: int | None = None,
    regions: Sequence[str] | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    progress: Progress | None = None,
    second_order: bool = False,
    groups: Sequence[Any] | None = None,
) -> SobolResult:
    """Sobol S1 and ST of every factor on every region's rank (see the module docstring).

    Runs ``n_base * (D + 2)`` configurations (D factors; ``n_base`` a power of 2), or
    ``n_base * (2D + 2)`` with ``second_order``, which adds the second-order indices
    :math:`S_{jk} = V_{jk} / V - S_j - S_k` with
    :math:`V_{jk} = \\overline{f(B_A^{(j)}) f(A_B^{(k)}) - f(A) f(B)}` (Saltelli 2002, the
    estimator of SALib's ``sobol.analyze``) in ``S2`` (upper triangle, NaN elsewhere).
    Confidence half-widths: bootstrap over the base rows, ``z * sd`` as in SALib.
    """
    from SALib.analyze.sobol import first_order, total_order
    from SALib.analyze.sobol import second_order as second_order_index
    from SALib.sample import sobol as sobol_sample
    from scipy.stats import norm

    if n_base < 2 or n_base & (n_base - 1):
        raise DataError(f"n_base = {n_base}", expected="a power of 2 (Sobol' sequence), at least 2")
    _check_spec_supported(spec, "the sensitivity analysis")
    fs = _check_factors(spec, factors)
    varying = tuple(f for f in fs if len(f.choices) > 1)
    if not varying:
        raise DataError("no factor has more than one choice", column="factors", expected="something to vary")
    eng = _Engine(data, spec, fs, year, regions, groups)
    D = len(varying)
    problem = {"num_vars": D, "names": [f.name for f in varying], "bounds": [[0.0, 1.0]] * D}
    X = sobol_sample.sample(problem, n_base, calc_second_order=second_order, seed=seed)
    configs = np.zeros((len(X), len(FACTOR_NAMES)), dtype=np.intp)
    for j, f in enumerate(varying):
        col = FACTOR_NAMES.index(f.name)
        configs[:, col] = np.minimum((X[:, j] * len(f.choices)).astype(np.intp), len(f.choices) - 1)
    ranks_u, inverse = eng.ranks(configs, progress)
    Y = ranks_u[:, inverse].T.astype(float)  # (runs, n)
    mu, sd = Y.mean(axis=0), Y.std(axis=0)
    const = sd <= 0
    Y = (Y - mu) / np.where(const, 1.0, sd)  # SALib standardizes the output the same way
    step = 2 * D + 2 if second_order else D + 2  # SALib's layout: A, AB_1..AB_D, [BA_1..BA_D], B
    Yr = Y.reshape(n_base, step, -1)
    A, B = Yr[:, 0], Yr[:, step - 1]
    n = Y.shape[1]
    S1 = np.zeros((n, D))
    ST = np.zeros((n, D))
    S1b = np.zeros((num_resamples, n, D))
    STb = np.zeros((num_resamples, n, D))
    rng = np.random.default_rng(seed)
    r = rng.integers(n_base, size=(n_base, num_resamples))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib's "constant output" warning; logged below
        for j in range(D):
            AB = Yr[:, 1 + j]
            S1[:, j] = first_order(A, AB, B)
            ST[:, j] = total_order(A, AB, B)
            for b in range(num_resamples):
                rb = r[:, b]
                S1b[b, :, j] = first_order(A[rb], AB[rb], B[rb])
                STb[b, :, j] = total_order(A[rb], AB[rb], B[rb])
        S2 = S2_conf = None
        if second_order:
            S2 = np.full((n, D, D), np.nan)
            S2_conf = np.full((n, D, D), np.nan)
            for j in range(D):
                for k in range(j + 1, D):
                    ABj, ABk, BAj = Yr[:, 1 + j], Yr[:, 1 + k], Yr[:, 1 + D + j]
                    S2[:, j, k] = second_order_index(A, ABj, ABk, BAj, B)
                    boot = np.array(
                        [second_order_index(A[r[:, b]], ABj[r[:, b]], ABk[r[:, b]], BAj[r[:, b]], B[r[:, b]])
                         for b in range(num_resamples)]
                    )  # fmt: skip
                    S2_conf[:, j, k] = norm.ppf(0.5 + conf_level / 2) * boot.std(axis=0, ddof=1)
                    S2[const, j, k] = 0.0
    z = norm.ppf(0.5 + conf_level / 2)
    S1[const], ST[const] = 0.0, 0.0
    log = [
        f"sobol: {D} factors, n_base {n_base}, {len(X)} runs ({ranks_u.shape[1]} distinct configurations), seed {seed}",
        *eng.log,
    ]
    if const.any():
        log.append(f"sobol: {int(const.sum())} region(s) have the same rank in every run; indices set to 0")
    return SobolResult(
        regions=eng.cube.regions,
        year=eng.cube.years[eng.t] if eng.cube.years is not None else None,
        factors=varying,
        S1=S1,
        ST=ST,
        S1_conf=z * S1b.std(axis=0, ddof=1),
        ST_conf=z * STb.std(axis=0, ddof=1),
        n_base=n_base,
        n_runs=len(X),
        seed=seed,
        log=tuple(log),
        S2=S2,
        S2_conf=S2_conf,
    )


def noisy_weights_analysis(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    noise: float = 0.25,
    n_draws: int = 1000,
    seed: int,
    year: int | None = None,
    regions: Sequence[str] | None = None,
    groups: Sequence[Any] | None = None,
) -> UncertaintyResult:
    """Rank intervals when the weights are uncertain: each weight varies by up to ``noise`` of itself.

    .. math:: w^{(d)}_j = w_j (1 + u_{dj}), \\\\quad u_{dj} \\\\sim U(-\\\\text{noise}, \\\\text{noise}),

    rescaled to sum 1 (the "noisy weights" of COINr's ``get_noisy_weights`` and the JRC
    audits).  Normalization, the nominal weights and the aggregation are the spec's; each
    draw is one matrix product of the normalized values with the drawn weights.  TOPSIS
    (whose ideal points depend on the weights) is refused rather than approximated.
    """
    _check_spec_supported(spec, "noisy weights")
    if spec.aggregation == "topsis":
        raise DataError(
            "noisy weights with TOPSIS aggregation", column="aggregation", expected="arithmetic or geometric"
        )
    f = float(noise)
    if not 0.0 < f < 1.0:
        raise DataError(f"noise {noise}", expected="a share between 0 and 1 (e.g. 0.25 for +-25 %)")
    if isinstance(n_draws, bool) or int(n_draws) != n_draws or n_draws < 1:
        raise DataError(f"n_draws is {n_draws!r}", expected="a whole number >= 1")
    nominal = composite_index(data, spec, regions=regions, groups=groups)
    if year is None:
        t = len(nominal.years) - 1 if nominal.years is not None else 0
    elif nominal.years is None or year not in nominal.years:
        raise DataError(f"year {year} not in the data", column="year", expected=f"one of {nominal.years}")
    else:
        t = nominal.years.index(year)
    z = nominal.normalized[t]  # (n, k)
    if spec.aggregation == "geometric":
        z = np.log(z)
    w0 = nominal.weights[t]
    rng = np.random.default_rng(seed)
    n = z.shape[0]
    ranks = np.empty((n, int(n_draws)), dtype=np.int64)
    chunk = max(1, 4_000_000 // max(1, n))
    for start in range(0, int(n_draws), chunk):
        m = min(chunk, int(n_draws) - start)
        w = w0[None, :] * (1.0 + rng.uniform(-f, f, size=(m, w0.size)))
        w /= w.sum(axis=1, keepdims=True)
        ranks[:, start : start + m] = rank_desc(z @ w.T, axis=0)
    p05, med, p95 = np.percentile(ranks, [5, 50, 95], axis=1, method="inverted_cdf")
    return UncertaintyResult(
        regions=nominal.regions,
        year=nominal.years[t] if nominal.years is not None else None,
        nominal_rank=nominal.ranks[t],
        median_rank=med.astype(np.int64),
        p05_rank=p05.astype(np.int64),
        p95_rank=p95.astype(np.int64),
        mean_rank=ranks.mean(axis=1),
        factors=(Factor("noisy_weights", (f"+-{f:g}",)),),
        n_draws=int(n_draws),
        n_configurations=int(n_draws),
        seed=seed,
        log=(
            f"noisy weights: {n_draws} draws, each weight x (1 + U(-{f:g}, {f:g})), rescaled; seed {seed}",
            *(line for line in nominal.log if line.startswith("impute")),
        ),
    )
