"""Spatial distribution dynamics: Spatial Markov, LISA Markov, rank mobility, local Moran.

Notation: ``values`` is a panel ``(T, n)`` (rows are years, columns regions, as every
``measure`` function takes it) or a :class:`~regcoord.data.PanelMatrix`; ``w`` the
neighbours of the regions: a :class:`~regcoord.regions.contiguity.Contiguity`, a libpysal
``W`` whose ids are the region labels (it is reordered to the order of the values), or an
``(n, n)`` array.  W is row-standardized before use.

The estimators are PySAL's (giddy for the Markov chains and rank statistics, esda for local
Moran): this module validates the inputs once, aligns W by region name, makes the
permutation inference reproducible (``seed``) and returns frozen results that keep the
region names and years.

- Spatial Markov (Rey 2001): values are put into ``k`` classes, the spatial lag
  :math:`(Wy)_i = \\sum_j w_{ij} y_j` into ``m`` classes (pooled quantiles when
  ``fixed``), and one transition matrix is estimated per lag class,
  :math:`\\hat p_{ij}(l) = n_{ij}(l) / \\sum_j n_{ij}(l)`.  Homogeneity of the ``m``
  matrices is tested with the Q and likelihood-ratio statistics (Bickenbach and Bode 2003)
  and, with ``permutations``, by the permutation test of the chi-square distance.
- LISA Markov (Rey 2001): the Moran scatterplot quadrant of each region-year (1 HH, 2 LH,
  3 LL, 4 HL) as a Markov chain; a chi-square test of the independence of the moves of
  y and of Wy; with ``permutations`` the local Moran pseudo p-values mark significant moves.
- Rank mobility: Kendall's tau between consecutive years, its spatial decomposition
  (Rey 2004, neighbour pairs only) with a permutation p-value, and the Theta statistic
  of rank concordance within regimes (Rey 2004) with permutation p-values.
- Local Moran (Anselin 1995): :math:`I_i = (n-1) z_i \\sum_j w_{ij} z_j / \\sum_j z_j^2`,
  conditional permutation pseudo p-values, and the cluster of every significant region
  (HH, LL, LH, HL) per year.

Rey, S. J. (2001), Spatial empirics for economic growth and convergence, Geographical
Analysis 33(3), 195-214.  Rey, S. J. (2004), Spatial dependence in the evolution of
regional income distributions, in Getis et al. (eds), Spatial Econometrics and Spatial
Statistics, 193-213.  Anselin, L. (1995), Local indicators of spatial association - LISA,
Geographical Analysis 27(2), 93-115.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.stats import norm

from regcoord._display import FrameHTML
from regcoord.data import PanelMatrix
from regcoord.errors import DataError
from regcoord.measure._validation import check_count, check_inputs

_CHUNK = 4_000_000

__all__ = [
    "QUADRANTS",
    "LisaMarkovResult",
    "LocalMoranResult",
    "RankMobilityResult",
    "SpatialMarkovResult",
    "lisa_markov",
    "local_moran",
    "rank_mobility",
    "spatial_markov",
]

#: PySAL's quadrant numbering (own value, spatial lag), as giddy and esda use it
QUADRANTS: dict[int, str] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
QUADRANT_NAMES: dict[str, dict[str, str]] = {
    "HH": {"zh": "高-高", "en": "high-high"},
    "LH": {"zh": "低-高", "en": "low-high"},
    "LL": {"zh": "低-低", "en": "low-low"},
    "HL": {"zh": "高-低", "en": "high-low"},
    "ns": {"zh": "不显著", "en": "not significant"},
}


# -- inputs -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Inputs:
    y: np.ndarray  # (n, T), the orientation giddy takes
    years: tuple[int, ...]
    regions: tuple[str, ...]
    a: sp.csr_matrix  # weights aligned with the regions, zero diagonal, every row with a neighbour

    @property
    def w(self) -> Any:
        """The weights as a row-standardized libpysal ``W`` with the regions as ids (for giddy)."""
        from libpysal.weights import W

        nb: dict[str, list[str]] = {}
        wt: dict[str, list[float]] = {}
        for i, r in enumerate(self.regions):
            lo, hi = self.a.indptr[i], self.a.indptr[i + 1]
            nb[r] = [self.regions[j] for j in self.a.indices[lo:hi]]
            wt[r] = self.a.data[lo:hi].tolist()
        out = W(nb, wt, id_order=list(self.regions), silence_warnings=True)
        out.transform = "r"
        return out


def _inputs(
    values: ArrayLike | PanelMatrix,
    w: Any,
    years: Sequence[int] | None,
    regions: Sequence[str] | None,
    *,
    min_years: int,
) -> _Inputs:
    c = check_inputs(values, years=years, regions=regions, positive=False, nonnegative=False, min_regions=3)
    T, n = c.x.shape
    if min_years > T:
        raise DataError(f"the panel has {T} year(s)", expected=f"at least {min_years} years")
    yrs = c.years if c.years is not None else tuple(range(T))
    regs = c.regions if c.regions is not None else tuple(str(i) for i in range(n))
    if len(set(regs)) != n:
        raise DataError("a region appears twice in the panel", expected="each region once")
    return _Inputs(c.x.T.copy(), tuple(int(y) for y in yrs), tuple(regs), _weights(w, regs))


def _weights(w: Any, regions: tuple[str, ...]) -> sp.csr_matrix:
    """The weights as a CSR matrix in the order of the regions (libpysal is not imported for it)."""
    n = len(regions)
    pos = {r: k for k, r in enumerate(regions)}
    nb_of: dict[str, list[str]] | None = None
    wt_of: dict[str, list[float]] | None = None
    if hasattr(w, "neighbours") and hasattr(w, "codes"):  # a regcoord Contiguity: binary
        nb_of = {c: [w.codes[j] for j in w.neighbours[i]] for i, c in enumerate(w.codes)}
        wt_of = {c: [1.0] * len(v) for c, v in nb_of.items()}
    elif hasattr(w, "neighbors") and hasattr(w, "id_order"):  # a libpysal W
        nb_of = {str(k): [str(j) for j in v] for k, v in w.neighbors.items()}
        wt_of = {str(k): [float(x) for x in w.weights[k]] for k in w.neighbors}
    else:
        m = w.toarray() if sp.issparse(w) else np.asarray(w, dtype=float)
        if m.shape != (n, n):
            raise DataError(f"spatial weights have shape {m.shape}", expected=f"({n}, {n}) for {n} regions")
        if not np.isfinite(m).all() or (m < 0).any():
            raise DataError("spatial weights contain a negative or non-finite entry", expected="weights >= 0")
        if (np.diag(m) != 0).any():
            i = int(np.flatnonzero(np.diag(m) != 0)[0])
            raise DataError(f"region {regions[i]} is its own neighbour", expected="a zero diagonal in W")
        out = sp.csr_matrix(m)
    if nb_of is not None and wt_of is not None:
        missing = [r for r in regions if r not in nb_of]
        if missing:
            raise DataError(
                f"region(s) {', '.join(missing[:5])} have no entry in the spatial weights",
                expected="weights for every region of the panel (by name)",
            )
        rows, cols, vals = [], [], []
        for r in regions:
            for j, v in zip(nb_of[r], wt_of[r], strict=True):
                if j in pos and j != r and v != 0:
                    rows.append(pos[r])
                    cols.append(pos[j])
                    vals.append(v)
        out = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    out.eliminate_zeros()
    out.sort_indices()
    isolated = [regions[i] for i in np.flatnonzero(np.diff(out.indptr) == 0)]
    if isolated:
        raise DataError(
            f"region(s) {', '.join(isolated[:5])} have no neighbour among the regions of the panel",
            expected="every region with a neighbour (link islands, e.g. by regcoord.regions.contiguity)",
        )
    return out


def _nan_to_none(a: np.ndarray) -> Any:
    """Nested lists for JSON with NaN as None."""
    return np.where(np.isnan(a), np.array(None, dtype=object), a.astype(object)).tolist()


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed NumPy's global generator (giddy draws from it) and restore its state afterwards."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


# -- Spatial Markov ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SpatialMarkovResult(FrameHTML):
    """Spatial Markov chain (Rey 2001).

    ``classes`` and ``lag_classes`` are ``(n, T)`` class indices (0 = lowest) with the
    ``regions`` and ``years`` as labels; ``transitions`` (k, k) and ``p`` (k, k) the
    pooled counts and probabilities; ``conditional_transitions`` and
    ``conditional_p`` (m, k, k) those given the lag class at the start of the step;
    ``steady_states`` (m, k) the ergodic distribution of each conditional chain (NaN
    rows where the chain has no unique one, see ``steady_state_notes``).  ``q``, ``lr``
    (with ``dof`` and p-values) test that the m matrices equal the pooled one;
    ``x2``/``x2_p_value`` is the permutation test of the chi-square distance.
    """

    years: tuple[int, ...]
    regions: tuple[str, ...]
    k: int
    m: int
    cutoffs: np.ndarray
    lag_cutoffs: np.ndarray
    classes: np.ndarray
    lag_classes: np.ndarray
    transitions: np.ndarray
    p: np.ndarray
    conditional_transitions: np.ndarray
    conditional_p: np.ndarray
    steady_states: np.ndarray
    steady_state_notes: tuple[str, ...]
    q: float
    q_p_value: float
    lr: float
    lr_p_value: float
    dof: int
    x2: float
    x2_dof: int
    x2_chi2_p_value: float
    permutations: int
    seed: int | None
    x2_p_value: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """Long frame: lag_class, from_class, to_class, count, probability."""
        m, k, _ = self.conditional_p.shape
        idx = np.indices((m, k, k)).reshape(3, -1)
        return pd.DataFrame(
            {
                "lag_class": idx[0],
                "from_class": idx[1],
                "to_class": idx[2],
                "count": self.conditional_transitions.reshape(-1),
                "probability": self.conditional_p.reshape(-1),
            }
        )

    def classes_frame(self) -> pd.DataFrame:
        """One row per region and year: ``class`` and ``lag_class``."""
        n, T = self.classes.shape
        return pd.DataFrame(
            {
                "region": np.repeat(np.array(self.regions, dtype=object), T),
                "year": np.tile(np.array(self.years), n),
                "class": self.classes.reshape(-1),
                "lag_class": self.lag_classes.reshape(-1),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "spatial_markov",
            "years": list(self.years),
            "regions": list(self.regions),
            "k": self.k,
            "m": self.m,
            "cutoffs": self.cutoffs.tolist(),
            "lag_cutoffs": self.lag_cutoffs.tolist(),
            "p": self.p.tolist(),
            "transitions": self.transitions.tolist(),
            "conditional_p": _nan_to_none(self.conditional_p),
            "conditional_transitions": self.conditional_transitions.tolist(),
            "steady_states": _nan_to_none(self.steady_states),
            "steady_state_notes": list(self.steady_state_notes),
            "q": self.q,
            "q_p_value": self.q_p_value,
            "lr": self.lr,
            "lr_p_value": self.lr_p_value,
            "dof": self.dof,
            "x2": self.x2,
            "x2_dof": self.x2_dof,
            "x2_chi2_p_value": self.x2_chi2_p_value,
            "x2_p_value": self.x2_p_value,
            "permutations": self.permutations,
            "seed": self.seed,
        }


def _steady(p: np.ndarray) -> tuple[np.ndarray, str]:
    """The unique stationary distribution of p, or NaN and the reason it has none."""
    k = p.shape[0]
    if np.isnan(p).any() or not np.allclose(p.sum(axis=1), 1.0):
        return np.full(k, np.nan), "a class is never left or never entered in this lag class (empty row)"
    vals, vecs = np.linalg.eig(p.T)
    unit = np.flatnonzero(np.isclose(vals, 1.0, atol=1e-10))
    if len(unit) != 1:
        return np.full(
            k, np.nan
        ), f"the chain is reducible: {len(unit)} closed classes, no unique steady state"
    v = np.real(vecs[:, unit[0]])
    return v / v.sum(), ""


def spatial_markov(
    values: ArrayLike | PanelMatrix,
    w: Any,
    *,
    k: int = 5,
    m: int = 5,
    fixed: bool = True,
    relative: bool = False,
    permutations: int = 0,
    seed: int | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> SpatialMarkovResult:
    """Spatial Markov chain with homogeneity tests (giddy ``Spatial_Markov``).

    .. math:: \\hat p_{ij}(l) = n_{ij}(l) / \\sum_j n_{ij}(l)

    where :math:`n_{ij}(l)` counts the moves from class i to class j of regions whose
    spatial lag was in class l at the start.  ``relative`` divides each year by its mean
    first (relative income, as in Rey 2001).  With ``fixed`` the class cut-offs are the
    quantiles of all years pooled, otherwise of each year.  ``permutations`` > 0 adds the
    permutation p-value of the chi-square distance ``x2`` (regions shuffled over the map).

    >>> import numpy as np
    >>> y = np.array([[1.0, 2, 3, 4], [2, 1, 3, 4], [2, 1, 4, 3]])
    >>> ring = np.array([[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]])
    >>> r = spatial_markov(y, ring, k=2, m=2)
    >>> int(r.transitions.sum())
    8
    """
    from giddy.markov import Spatial_Markov

    inp = _inputs(values, w, years, regions, min_years=2)
    k = check_count(k, "k", minimum=2)
    m = check_count(m, "m", minimum=2)
    perms = check_count(permutations, "permutations", minimum=0)
    y = inp.y / inp.y.mean(axis=0, keepdims=True) if relative else inp.y
    with _seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            sm = Spatial_Markov(y, inp.w, k=k, m=m, fixed=fixed, permutations=perms, fill_empty_classes=False)
        except ValueError as exc:
            raise DataError(
                f"the values cannot be put into {k} classes: {exc}", expected="fewer classes"
            ) from None
    P = np.asarray(sm.P, dtype=float)
    steady = []
    notes = []
    for lag in range(m):
        s, why = _steady(P[lag])
        steady.append(s)
        notes.append(why)
    return SpatialMarkovResult(
        years=inp.years,
        regions=inp.regions,
        k=k,
        m=m,
        cutoffs=np.asarray(sm.cutoffs, dtype=float),
        lag_cutoffs=np.asarray(sm.lag_cutoffs, dtype=float),
        classes=np.asarray(sm.class_ids, dtype=int),
        lag_classes=np.asarray(sm.lclass_ids, dtype=int),
        transitions=np.asarray(sm.transitions, dtype=float),
        p=np.asarray(sm.p, dtype=float),
        conditional_transitions=np.asarray(sm.T, dtype=float),
        conditional_p=P,
        steady_states=np.array(steady),
        steady_state_notes=tuple(notes),
        q=float(sm.Q),
        q_p_value=float(sm.Q_p_value),
        lr=float(sm.LR),
        lr_p_value=float(sm.LR_p_value),
        dof=int(sm.dof_hom),
        x2=float(sm.x2),
        x2_dof=int(sm.x2_dof),
        x2_chi2_p_value=float(sm.x2_pvalue),
        permutations=perms,
        seed=seed,
        x2_p_value=float(sm.x2_rpvalue) if perms else None,
    )


# -- LISA Markov ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LisaMarkovResult(FrameHTML):
    """LISA Markov chain (Rey 2001) on Moran-scatterplot quadrants 1 HH, 2 LH, 3 LL, 4 HL.

    ``quadrants`` (n, T); ``move_types`` (n, T-1) = 4 (q1 - 1) + q2 as in giddy;
    ``transitions``/``p`` (4, 4); ``chi2`` with ``chi2_p_value`` and ``chi2_dof`` tests that
    the moves of y are independent of those of Wy.  With permutations: ``p_values`` (n, T)
    (local Moran, normal approximation of the permutation distribution, as giddy uses) and
    ``significant_moves`` (n, T-1): move type + 16 for each insignificant end point
    (start insignificant + 32, end insignificant + 16: 1-16 both significant, 49-64 neither).
    """

    years: tuple[int, ...]
    regions: tuple[str, ...]
    quadrants: np.ndarray
    move_types: np.ndarray
    transitions: np.ndarray
    p: np.ndarray
    expected_transitions: np.ndarray
    steady_state: np.ndarray
    steady_state_note: str
    chi2: float
    chi2_p_value: float
    chi2_dof: int
    permutations: int
    significance: float
    seed: int | None
    p_values: np.ndarray | None = None
    significant_moves: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per region and year: quadrant (1-4), its label, and the p-value if computed."""
        n, T = self.quadrants.shape
        out = pd.DataFrame(
            {
                "region": np.repeat(np.array(self.regions, dtype=object), T),
                "year": np.tile(np.array(self.years), n),
                "quadrant": self.quadrants.reshape(-1),
            }
        )
        out["label"] = out["quadrant"].map(QUADRANTS)
        if self.p_values is not None:
            out["p_value"] = self.p_values.reshape(-1)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "lisa_markov",
            "years": list(self.years),
            "regions": list(self.regions),
            "quadrants": {r: self.quadrants[i].tolist() for i, r in enumerate(self.regions)},
            "transitions": self.transitions.tolist(),
            "p": self.p.tolist(),
            "expected_transitions": self.expected_transitions.tolist(),
            "steady_state": _nan_to_none(self.steady_state),
            "steady_state_note": self.steady_state_note,
            "chi2": self.chi2,
            "chi2_p_value": self.chi2_p_value,
            "chi2_dof": self.chi2_dof,
            "permutations": self.permutations,
            "significance": self.significance,
            "seed": self.seed,
            "significant_moves": None
            if self.significant_moves is None
            else {r: self.significant_moves[i].tolist() for i, r in enumerate(self.regions)},
        }


def lisa_markov(
    values: ArrayLike | PanelMatrix,
    w: Any,
    *,
    permutations: int = 0,
    significance: float = 0.05,
    seed: int | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> LisaMarkovResult:
    """LISA Markov chain of Moran-scatterplot quadrants (giddy ``LISA_Markov``).

    The quadrant of region i in year t is HH when :math:`z_{it} > 0` and
    :math:`(Wz)_{it} > 0`, LH when :math:`z_{it} \\le 0 < (Wz)_{it}`, LL, HL likewise
    (z: deviations from the year's mean); transitions are pooled over years.  The
    chi-square statistic compares the observed quadrant moves with those expected if y
    and Wy moved independently.  With ``permutations`` each end point is tested with the
    local Moran permutation distribution (``significance``).
    """
    from giddy.markov import LISA_Markov

    inp = _inputs(values, w, years, regions, min_years=2)
    perms = check_count(permutations, "permutations", minimum=0)
    sig = float(significance)
    if not 0 < sig < 1:
        raise DataError(f"significance level {significance}", expected="a level between 0 and 1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lm = LISA_Markov(inp.y, inp.w, permutations=0, significance_level=sig)
    p = np.asarray(lm.p, dtype=float)
    q = np.asarray(lm.q, dtype=int)
    moves = np.asarray(lm.move_types, dtype=int)
    p_values = sig_moves = None
    if perms:
        lo = local_moran(inp.y.T, inp.a, permutations=perms, seed=seed, regions=inp.regions)
        p_values = lo.p_z_value.T  # (n, T), giddy's choice: the normal approximation
        s_ = p_values <= sig
        # giddy's coding: 1-16 both ends significant, +16 end not, +32 start not, 49-64 neither
        sig_moves = moves + 32 * (~s_[:, :-1]) + 16 * (~s_[:, 1:])
    s, why = _steady(p)
    chi2, chi2_p, chi2_dof = lm.chi_2
    return LisaMarkovResult(
        years=inp.years,
        regions=inp.regions,
        quadrants=q,
        move_types=moves,
        transitions=np.asarray(lm.transitions, dtype=float),
        p=p,
        expected_transitions=np.asarray(lm.expected_t, dtype=float),
        steady_state=s,
        steady_state_note=why,
        chi2=float(chi2),
        chi2_p_value=float(chi2_p),
        chi2_dof=int(chi2_dof),
        permutations=perms,
        significance=sig,
        seed=seed,
        p_values=p_values,
        significant_moves=sig_moves,
    )


# -- rank mobility ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RankMobilityResult(FrameHTML):
    """Rank mobility between consecutive years; arrays have one entry per interval.

    ``tau``: Kendall's tau between the years' values; ``spatial_tau``: the same over
    neighbour pairs only (Rey 2004) with ``spatial_tau_p_value``, the pseudo p-value of
    a lower spatial tau under random relabelling; ``theta`` (intervals, 1) with
    ``theta_p_left``/``theta_p_right`` when ``regimes`` were given: the share of rank
    changes that happen within regimes (Rey 2004).
    """

    intervals: tuple[tuple[int, int], ...]
    regions: tuple[str, ...]
    tau: np.ndarray
    spatial_tau: np.ndarray
    spatial_tau_expected: np.ndarray | None
    spatial_tau_p_value: np.ndarray | None
    theta: np.ndarray | None
    theta_p_left: np.ndarray | None
    theta_p_right: np.ndarray | None
    regimes: tuple[str, ...] | None
    permutations: int
    seed: int | None

    def _columns(self) -> dict[str, np.ndarray | None]:
        return {
            "tau": self.tau,
            "spatial_tau": self.spatial_tau,
            "spatial_tau_expected": self.spatial_tau_expected,
            "spatial_tau_p_value": self.spatial_tau_p_value,
            "theta": self.theta,
            "theta_p_left": self.theta_p_left,
            "theta_p_right": self.theta_p_right,
        }

    def to_frame(self) -> pd.DataFrame:
        idx = pd.MultiIndex.from_tuples(self.intervals, names=["from_year", "to_year"])
        return pd.DataFrame({k: v for k, v in self._columns().items() if v is not None}, index=idx)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": "rank_mobility",
            "intervals": [list(i) for i in self.intervals],
            "permutations": self.permutations,
            "seed": self.seed,
        }
        out.update({k: v.tolist() for k, v in self._columns().items() if v is not None})
        return out


def rank_mobility(
    values: ArrayLike | PanelMatrix,
    w: Any,
    *,
    regimes: Sequence[str] | None = None,
    permutations: int = 99,
    seed: int | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> RankMobilityResult:
    """Kendall's tau, spatial tau and Theta between consecutive years (giddy ``rank``).

    .. math:: \\tau_w = \\frac{\\sum_{i<j} w_{ij}\\, \\mathrm{sign}((x_i - x_j)(y_i - y_j))}{\\sum_{i<j} w_{ij}}

    over the neighbour pairs of the binary W (Rey 2004); ``regimes`` (one label per
    region, e.g. the plates) add Theta, the within-regime share of all rank changes,
    :math:`\\Theta = \\sum_r |\\sum_{i \\in r} \\Delta \\mathrm{rank}_i| / \\sum_i |\\Delta \\mathrm{rank}_i|`.
    ``permutations`` random relabellings give the pseudo p-values.
    """
    from giddy.rank import SpatialTau, Theta

    inp = _inputs(values, w, years, regions, min_years=2)
    perms = check_count(permutations, "permutations", minimum=0)
    y = inp.y
    n, T = y.shape
    from libpysal.weights import W

    a = inp.a
    # giddy's SpatialTau indexes the values by the ids of W: integer ids, binary weights
    wb = W({i: a.indices[a.indptr[i] : a.indptr[i + 1]].tolist() for i in range(n)}, silence_warnings=True)
    taus, stau, sexp, p_sim = [], [], [], []
    with _seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for t in range(T - 1):
            st = SpatialTau(y[:, t], y[:, t + 1], wb, permutations=perms)
            taus.append(float(st.tau))
            stau.append(float(st.tau_spatial))
            if perms:
                sexp.append(float(np.mean(st.taus)))
                p_sim.append(float(st.tau_spatial_psim))
        theta = tl = tr = None
        reg: tuple[str, ...] | None = None
        if regimes is not None:
            reg = tuple(str(r) for r in regimes)
            if len(reg) != n:
                raise DataError(f"{len(reg)} regime labels for {n} regions", expected="one regime per region")
            th = Theta(y, np.array(reg), max(perms, 0))
            theta = np.asarray(th.theta, dtype=float).reshape(-1)
            if perms:
                tl = np.asarray(th.pvalue_left, dtype=float).reshape(-1)
                tr = np.asarray(th.pvalue_right, dtype=float).reshape(-1)
    return RankMobilityResult(
        intervals=tuple((inp.years[t], inp.years[t + 1]) for t in range(T - 1)),
        regions=inp.regions,
        tau=np.array(taus),
        spatial_tau=np.array(stau),
        spatial_tau_expected=np.array(sexp) if perms else None,
        spatial_tau_p_value=np.array(p_sim) if perms else None,
        theta=theta,
        theta_p_left=tl,
        theta_p_right=tr,
        regimes=reg,
        permutations=perms,
        seed=seed,
    )


# -- local Moran ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class LocalMoranResult(FrameHTML):
    """Local Moran's I per region and year; arrays have shape (T, n).

    ``quadrant``: 1 HH, 2 LH, 3 LL, 4 HL; ``p_value``: the folded conditional-permutation
    pseudo p-value (esda's ``p_sim``); ``p_z_value`` its normal approximation (esda's
    ``p_z_sim``); ``cluster``: the quadrant label where
    ``p_value <= significance``, else ``"ns"``.  ``moran_i`` (T,) is the global Moran's I.
    """

    years: tuple[int, ...]
    regions: tuple[str, ...]
    local_i: np.ndarray
    quadrant: np.ndarray
    p_value: np.ndarray
    p_z_value: np.ndarray
    moran_i: np.ndarray
    moran_p_value: np.ndarray
    significance: float
    permutations: int
    seed: int | None

    @property
    def cluster(self) -> np.ndarray:
        lab = np.vectorize(QUADRANTS.get, otypes=[object])(self.quadrant)
        return np.where(self.p_value <= self.significance, lab, "ns")

    def counts(self) -> pd.DataFrame:
        """Number of regions in each cluster (HH, LL, LH, HL, ns) per year."""
        c = self.cluster
        cols = ["HH", "LL", "LH", "HL", "ns"]
        return pd.DataFrame({k: (c == k).sum(axis=1) for k in cols}, index=pd.Index(self.years, name="year"))

    def to_frame(self) -> pd.DataFrame:
        T, n = self.local_i.shape
        return pd.DataFrame(
            {
                "year": np.repeat(np.array(self.years), n),
                "region": np.tile(np.array(self.regions, dtype=object), T),
                "local_i": self.local_i.reshape(-1),
                "quadrant": self.quadrant.reshape(-1),
                "p_value": self.p_value.reshape(-1),
                "cluster": self.cluster.reshape(-1),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "local_moran",
            "years": list(self.years),
            "regions": list(self.regions),
            "moran_i": self.moran_i.tolist(),
            "moran_p_value": self.moran_p_value.tolist(),
            "significance": self.significance,
            "permutations": self.permutations,
            "seed": self.seed,
            "clusters": {
                str(y): dict(zip(self.regions, self.cluster[t].tolist(), strict=True))
                for t, y in enumerate(self.years)
            },
        }


def _row_standardized(a: sp.csr_matrix) -> sp.csr_matrix:
    rows = np.asarray(a.sum(axis=1)).ravel()
    return sp.csr_matrix(sp.diags(1.0 / rows) @ a)


def _folded(sims: np.ndarray, obs: np.ndarray, perms: int) -> np.ndarray:
    """PySAL's folded pseudo p-value: (1 + min(#{sim >= obs}, #{sim < obs})) / (1 + perms)."""
    above = (sims >= obs).sum(axis=0)
    return (1.0 + np.minimum(above, perms - above)) / (1.0 + perms)


def _local_moran_year(
    z: np.ndarray, wr: sp.csr_matrix, perms: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Local and global Moran of one cross-section with conditional / total permutation.

    Conditional permutation (Anselin 1995): region i keeps its value, the values seen at
    its k_i neighbours are k_i of the other n - 1 values drawn without replacement.  As in
    esda's ``crand``, each permutation draws one random order of n - 1 slots shared by all
    regions; slot s of region i is region s, or s + 1 when s >= i.
    """
    n = z.size
    m2 = float(z @ z)
    lag = wr @ z
    local = (n - 1) * z * lag / m2
    card = np.diff(wr.indptr)
    kmax = int(card.max())
    slots = np.argsort(rng.random((perms, n - 1)), axis=1)[:, :kmax]  # (perms, kmax)
    sims = np.empty((perms, n))
    # regions with the same number of neighbours k are done together, on the first k slots
    for k in np.unique(card):
        members = np.flatnonzero(card == k)
        wk = wr.data[wr.indptr[members][:, None] + np.arange(k)[None, :]]  # (m, k) their weights
        sk = slots[None, :, :k]
        chunk = max(1, _CHUNK // max(1, perms * int(k)))
        for start in range(0, members.size, chunk):
            i = members[start : start + chunk]
            j = sk + (sk >= i[:, None, None])  # (c, perms, k): slot s is region s, or s + 1 from i on
            lag_sim = np.einsum("cpk,ck->cp", z[j], wk[start : start + chunk])
            sims[:, i] = ((n - 1) * z[i][:, None] * lag_sim / m2).T
    p_sim = _folded(sims, local[None, :], perms)
    sd = sims.std(axis=0)
    z_sim = np.zeros(n)
    np.divide(local - sims.mean(axis=0), sd, out=z_sim, where=sd > 0)
    p_z_sim = norm.sf(np.abs(z_sim))
    quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    # global Moran with W row-standardized (S0 = n): I = z'Wz / z'z; total permutation
    moran = float(z @ lag) / m2
    gsims = np.empty(perms)
    gchunk = max(1, _CHUNK // n)
    for start in range(0, perms, gchunk):
        zp = rng.permuted(np.broadcast_to(z, (min(gchunk, perms - start), n)), axis=1)
        gsims[start : start + len(zp)] = np.einsum("pn,pn->p", zp, (wr @ zp.T).T) / m2
    moran_p = float(_folded(gsims[:, None], np.array([moran]), perms)[0])
    return local, quadrant, p_sim, p_z_sim, moran, moran_p


def local_moran(
    values: ArrayLike | PanelMatrix,
    w: Any,
    *,
    permutations: int = 999,
    significance: float = 0.05,
    seed: int | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> LocalMoranResult:
    """Local Moran's I and LISA clusters for every year, with global Moran's I.

    .. math:: I_i = (n - 1) \\frac{z_i \\sum_j w_{ij} z_j}{\\sum_j z_j^2}, \\qquad
              I = \\frac{n}{S_0} \\frac{z' W z}{z' z}

    with z the deviations from the year's mean and W row-standardized (Anselin 1995; the
    definitions of esda's ``Moran_Local`` and ``Moran``).  Pseudo p-values: the folded
    share of ``permutations`` conditional permutations (local) or total permutations
    (global) at least as extreme, (1 + min(#{sim >= obs}, #{sim < obs})) / (1 +
    permutations); ``p_z_value`` the normal approximation of the permutation distribution.
    Vectorized over regions and permutations in NumPy (esda's numba kernel costs about a
    minute of compilation in every new process).

    >>> import numpy as np
    >>> line = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> r = local_moran(np.array([1.0, 2.0, 4.0]), line, permutations=9, seed=0)
    >>> [float(round(v, 4)) for v in r.local_i[0]]  # z = (-4/3, -1/3, 5/3): 8/42, -1/42, -10/42
    [0.1905, -0.0238, -0.2381]
    """
    inp = _inputs(values, w, years, regions, min_years=1)
    perms = check_count(permutations, "permutations", minimum=1)
    sig = float(significance)
    if not 0 < sig < 1:
        raise DataError(f"significance level {significance}", expected="a level between 0 and 1")
    T = inp.y.shape[1]
    flat = np.flatnonzero(inp.y.std(axis=0) == 0)
    if len(flat):
        raise DataError(
            f"all regions have the same value in year {inp.years[int(flat[0])]}",
            expected="values that vary across regions",
        )
    wr = _row_standardized(inp.a)
    rng = np.random.default_rng(seed)
    out = [_local_moran_year(inp.y[:, t] - inp.y[:, t].mean(), wr, perms, rng) for t in range(T)]
    return LocalMoranResult(
        years=inp.years,
        regions=inp.regions,
        local_i=np.array([o[0] for o in out]),
        quadrant=np.array([o[1] for o in out], dtype=int),
        p_value=np.array([o[2] for o in out]),
        p_z_value=np.array([o[3] for o in out]),
        moran_i=np.array([o[4] for o in out]),
        moran_p_value=np.array([o[5] for o in out]),
        significance=sig,
        permutations=perms,
        seed=seed,
    )
