"""Spatial decomposition of the Gini coefficient (Rey and Smith 2013), with batched inference.

The Gini's sum of absolute differences over all ordered pairs of regions splits into
pairs that are neighbours (a binary contiguity matrix W) and pairs that are not.  If
inequality is spatially clustered (rich next to rich), neighbour pairs differ little and
the non-neighbour part is larger than under a random arrangement of the values on the
map; random permutations of the values over the regions give its null distribution.

The neighbour structure is the pattern of non-zero off-diagonal entries of W (a libpysal
``W``, a SciPy sparse matrix or a dense array); the magnitudes of the weights are not used
(a row-standardized W has the same neighbours as its binary form).  A region listed as
its own neighbour is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from regcoord.measure._validation import Progress, check_count
from regcoord.measure.inequality import _checked, _gini, _year_index

__all__ = ["SpatialGiniResult", "spatial_gini"]


_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True, eq=False)
class SpatialGiniResult(FrameHTML):
    """Rey and Smith (2013) spatial Gini per year; arrays have shape ``(T,)``.

    ``neighbour_sad`` and ``nonneighbour_sad`` are the sums of absolute differences over
    ordered neighbour and non-neighbour pairs (PySAL's ``wg`` and ``wcg``); ``gini =
    (neighbour_sad + nonneighbour_sad) / (2 n^2 mu)``; ``nonneighbour_share`` is
    ``nonneighbour_sad / (2 n^2 mu)`` (PySAL's ``wcg_share``, the non-neighbour part of
    G).  With permutations: ``simulated_nonneighbour_sad`` (permutations, T), its mean,
    standard deviation and z-value, the one-sided pseudo p-value ``p_value`` =
    (1 + #{sim >= obs}) / (1 + permutations), PySAL's folded ``p_sim`` (the smaller tail,
    as in ``Gini_Spatial``), the normal-approximation ``p_z_sim`` and the polarization
    index (expected value 1 under randomness) with its pseudo p-value.
    """

    years: tuple[int, ...] | None
    n: int
    neighbour_pairs: float
    gini: np.ndarray
    neighbour_sad: np.ndarray
    nonneighbour_sad: np.ndarray
    nonneighbour_share: np.ndarray
    polarization: np.ndarray
    permutations: int
    seed: int | None
    simulated_nonneighbour_sad: np.ndarray | None = None
    p_value: np.ndarray | None = None
    p_sim: np.ndarray | None = None
    p_z_sim: np.ndarray | None = None
    polarization_p_sim: np.ndarray | None = None

    @property
    def expected_nonneighbour_sad(self) -> np.ndarray | None:
        s = self.simulated_nonneighbour_sad
        return None if s is None else s.mean(axis=0)

    @property
    def sd_nonneighbour_sad(self) -> np.ndarray | None:
        s = self.simulated_nonneighbour_sad
        return None if s is None else s.std(axis=0)

    @property
    def z(self) -> np.ndarray | None:
        e, s = self.expected_nonneighbour_sad, self.sd_nonneighbour_sad
        if e is None or s is None:
            return None
        out = np.full_like(s, np.nan)
        np.divide(self.nonneighbour_sad - e, s, out=out, where=s > 0)
        return out

    def _columns(self) -> dict[str, np.ndarray | None]:
        return {
            "gini": self.gini,
            "neighbour_sad": self.neighbour_sad,
            "nonneighbour_sad": self.nonneighbour_sad,
            "nonneighbour_share": self.nonneighbour_share,
            "polarization": self.polarization,
            "expected_nonneighbour_sad": self.expected_nonneighbour_sad,
            "sd_nonneighbour_sad": self.sd_nonneighbour_sad,
            "z": self.z,
            "p_value": self.p_value,
            "p_sim": self.p_sim,
            "p_z_sim": self.p_z_sim,
            "polarization_p_sim": self.polarization_p_sim,
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "years": list(self.years) if self.years is not None else None,
            "n": self.n,
            "neighbour_pairs": self.neighbour_pairs,
            "permutations": self.permutations,
            "seed": self.seed,
        }
        out.update({k: v.tolist() for k, v in self._columns().items() if v is not None})
        return out

    def to_frame(self) -> pd.DataFrame:
        cols = {k: v for k, v in self._columns().items() if v is not None}
        return pd.DataFrame(cols, index=_year_index(self.years, len(self.gini)))


def _neighbour_pattern(w: Any, n: int, regions: tuple[str, ...] | None) -> sp.csr_matrix:
    """Boolean CSR pattern of W's off-diagonal non-zeros, in the order of the values."""
    ids = getattr(w, "id_order", None)
    if hasattr(w, "sparse") and ids is not None:  # a libpysal W
        a = sp.csr_matrix(w.sparse)
        if regions is not None:
            ids_s = [str(i) for i in ids]
            if ids_s != list(regions):
                if sorted(ids_s) != sorted(regions):
                    raise DataError(
                        "the regions of the weights do not match the regions of the values",
                        expected="a W whose ids are the region labels",
                    )
                pos = {r: k for k, r in enumerate(ids_s)}
                order = np.array([pos[r] for r in regions])
                a = a[order][:, order]
    elif sp.issparse(w) or (isinstance(w, np.ndarray) and w.ndim == 2):
        a = sp.csr_matrix(w)
    else:
        raise DataError(
            f"spatial weights of type {type(w).__name__}",
            expected="a libpysal W, a SciPy sparse matrix or a 2-D array",
        )
    if a.shape != (n, n):
        raise DataError(f"spatial weights have shape {a.shape}", expected=f"({n}, {n}) for {n} regions")
    a.eliminate_zeros()
    if not np.isfinite(a.data).all():
        raise DataError("spatial weights contain a non-finite entry", expected="finite weights")
    diag = a.diagonal()
    if (diag != 0).any():
        i = int(np.flatnonzero(diag != 0)[0])
        where = regions[i] if regions is not None else f"#{i}"
        raise DataError(f"region {where} is its own neighbour", expected="a zero diagonal in W")
    pattern = (a != 0).astype(bool).tocsr()
    if pattern.nnz == 0:
        raise DataError("spatial weights have no neighbour pairs", expected="at least one pair of neighbours")
    return pattern


def spatial_gini(
    values: ArrayLike | PanelMatrix,
    w: Any,
    *,
    permutations: int = 999,
    seed: int | None = None,
    progress: Progress | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> SpatialGiniResult:
    """Spatial Gini decomposition with permutation inference (Rey and Smith 2013).

    .. math::
        G = \\frac{\\sum_i \\sum_j w_{ij} |x_i - x_j|}{2 n^2 \\mu}
          + \\frac{\\sum_i \\sum_j (1 - w_{ij}) |x_i - x_j|}{2 n^2 \\mu}

    with w_ij = 1 for neighbours.  The polarization index is
    :math:`(SAD_{nn} / SAD_{n}) \\cdot (N_n / N_{nn})` with N_n = (number of non-zeros of
    W) / 2 neighbour pairs and N_nn = n(n-1)/2 - N_n, as in PySAL's ``Gini_Spatial``.
    Inference permutes the values over the regions ``permutations`` times (the same
    permutations for every year); all permutations are gathered in batched array passes
    over W's edge list (each undirected edge once when W is symmetric).

    Rey, S. J. and Smith, R. J. (2013), A spatial decomposition of the Gini coefficient,
    Letters in Spatial and Resource Sciences 6, 55-70.  Values are unweighted, as in the
    paper; ``values`` is one cross-section ``(n,)`` or a panel ``(T, n)``.
    """
    perms = check_count(permutations, "permutations", minimum=0)
    c = _checked(values, None, years, regions, positive=False)
    x = c.x
    T, n = x.shape
    pattern = _neighbour_pattern(w, n, c.regions)
    symmetric = (pattern != pattern.T).nnz == 0
    coo = (sp.triu(pattern, k=1) if symmetric else pattern).tocoo()
    ei, ej = coo.row.astype(np.intp), coo.col.astype(np.intp)
    mult = 2.0 if symmetric else 1.0  # ordered pairs per stored edge
    mu = x.mean(axis=1)
    den = 2.0 * n * n * mu
    g = _gini(x, c.p)
    total_sad = g * den
    wg = mult * np.abs(x[:, ei] - x[:, ej]).sum(axis=1)
    wcg = total_sad - wg
    n_pairs = n * (n - 1) / 2.0
    n_n_pairs = pattern.nnz / 2.0
    n_d_pairs = n_pairs - n_n_pairs
    scale = n_n_pairs / n_d_pairs if n_d_pairs > 0 else np.nan
    polarization = _ratio(wcg, wg) * scale
    result: dict[str, Any] = {}
    if perms:
        rng = np.random.default_rng(seed)
        sims = np.empty((perms, T))
        chunk = max(1, min(perms, _CHUNK_ELEMENTS // max(1, T * len(ei))))
        for start in range(0, perms, chunk):
            m = min(chunk, perms - start)
            order = rng.permuted(np.broadcast_to(np.arange(n), (m, n)), axis=1)  # (m, n)
            a, b = order[:, ei], order[:, ej]  # (m, E): regions whose values land on each edge
            sims[start : start + m] = total_sad[None, :] - mult * np.abs(x[:, a] - x[:, b]).sum(axis=2).T
            if progress is not None:
                progress(start + m, perms)
        tol = 1e-10 * total_sad
        above = (sims >= wcg - tol).sum(axis=0)
        folded = np.minimum(above, perms - above)
        sd = sims.std(axis=0)
        z = np.full(T, np.nan)
        np.divide(wcg - sims.mean(axis=0), sd, out=z, where=sd > 0)
        pol_sims = _ratio(sims, total_sad[None, :] - sims) * scale
        result = {
            "simulated_nonneighbour_sad": sims,
            "p_value": (1.0 + above) / (1.0 + perms),
            "p_sim": (1.0 + folded) / (1.0 + perms),
            "p_z_sim": 1.0 - norm.cdf(z),
            "polarization_p_sim": (1.0 + (pol_sims >= polarization * (1 - 1e-10)).sum(axis=0))
            / (1.0 + perms),
        }
    return SpatialGiniResult(
        years=c.years,
        n=n,
        neighbour_pairs=n_n_pairs,
        gini=g,
        neighbour_sad=wg,
        nonneighbour_sad=wcg,
        nonneighbour_share=wcg / den,
        polarization=polarization,
        permutations=perms,
        seed=seed,
        **result,
    )


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(a, b).shape, np.nan)
    np.divide(a, b, out=out, where=np.broadcast_to(b > 0, out.shape))
    return out
