"""Evolutionary games of basin ecological compensation between governments.

Model family: Gao et al., *Sustainability* 11(7):1990 (2019) (tripartite game of the
eastern route of the South-to-North Water Transfer) and its successors
(*Sustainability* 14(6):3374 (2022); JUSTC 2025 on bidirectional agreements).  Notation
varies between these papers; the models here are *in that family* as summarised in
/work/shared/domain/games.md, not a reproduction of any one paper's numbers.

Two populations
---------------
x = share of upstream governments that protect, y = share of downstream governments that
compensate.  Parameters: C protection cost (with forgone development), B_u upstream's
own benefit from protecting, B_d downstream benefit when upstream protects, L downstream
loss when it does not, P compensation downstream -> upstream, K reverse payment upstream
-> downstream when quality fails (bidirectional agreement), A central reward to a
protecting upstream, F_u central fine on a non-protecting upstream, F_d central fine on
a free-riding downstream.  Payoffs (upstream, downstream):

=============  =======================  ======================
               compensate               not compensate
=============  =======================  ======================
protect        (B_u - C + A + P, B_d - P)  (B_u - C + A, B_d - F_d)
not protect    (-F_u - K, -L + K)       (-F_u, -L)
=============  =======================  ======================

Two-population replicator dynamics (Taylor 1979; Hofbauer and Sigmund 1998):

.. math::

    \\dot x = x(1-x)\\,[B_u - C + A + F_u + y(P + K)], \\qquad
    \\dot y = y(1-y)\\,[K + x(F_d - P - K)].

Rest points: the four corners and, when it lies in (0, 1)^2, the interior point
x* = K / (P + K - F_d), y* = -(B_u - C + A + F_u) / (P + K).  Local stability by the
signs of the Jacobian's determinant and trace (Friedman 1991, *Econometrica*
59(3):637-666); only strict pure equilibria can be evolutionarily stable in
multi-population dynamics (Selten 1980, *J. Theor. Biol.* 84:93-101).  (protect,
compensate) is the ESS iff B_u - C + A + F_u + P + K > 0 and F_d > P.  Without the
centre and without a bidirectional clause (A = F_u = F_d = K = 0), dy/dt = -x y (1-y) P
<= 0: downstream never compensates.

Three populations
-----------------
The central government supervises with probability z at cost C_g; the reward A and the
fines F_u, F_d are paid only under supervision; when the centre does not supervise and
upstream does not protect, the centre bears a loss G (ecological damage and lost
credibility), and supervising brings the centre a benefit E of its own (public trust,
political credit), as in the tripartite models of the Gao et al. family.  Payoff differences
(strategy minus alternative):

* upstream protect - not:      B_u - C + z (A + F_u) + y (P + K)
* downstream compensate - not: x (z F_d - P) + (1 - x) K
* centre supervise - not:      E - C_g - x A + (1 - x)(F_u + G) + x (1 - y) F_d

and each share follows s' = s (1 - s) (difference).  With z = 1 the (x, y) dynamics are
the two-population model.  Only the 8 corners are analysed (eigenvalues of the 3x3
Jacobian); an asymptotically stable corner is a strict Nash equilibrium of the
three-player game (Ritzberger and Weibull 1995, *Econometrica* 63(6):1371-1399).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.games.strategic import BimatrixGame, _as_float, classify

__all__ = [
    "PARAMETERS",
    "TRIPARTITE_PARAMETERS",
    "BasinCompensationGame",
    "EvolutionaryAnalysis",
    "RestPoint",
    "Sweep",
    "Trajectory",
    "Trajectory3",
    "TrajectoryBundle",
    "TripartiteAnalysis",
    "TripartiteCompensationGame",
    "TripartiteCorner",
]

PARAMETERS: tuple[str, ...] = ("Bu", "C", "Bd", "L", "P", "K", "A", "Fu", "Fd")
TRIPARTITE_PARAMETERS: tuple[str, ...] = (*PARAMETERS, "Cg", "G", "E")

#: bilingual parameter descriptions (for CLI help and reports)
DESCRIPTIONS: dict[str, str] = {
    "Bu": "upstream's own benefit from protection / 上游保护的自身收益",
    "C": "upstream protection cost incl. forgone development / 上游保护成本（含发展机会成本）",
    "Bd": "downstream benefit when upstream protects / 上游保护时下游收益",
    "L": "downstream loss when upstream does not protect / 上游不保护时下游损失",
    "P": "compensation downstream -> upstream / 下游对上游的补偿",
    "K": "reverse payment upstream -> downstream (bidirectional) / 上游对下游的反向赔付（双向对赌）",
    "A": "central reward to a protecting upstream / 中央对保护上游的奖励",
    "Fu": "central fine on a non-protecting upstream / 中央对不保护上游的罚款",
    "Fd": "central fine on a free-riding downstream / 中央对不补偿下游的罚款",
    "Cg": "central supervision cost / 中央监管成本",
    "G": "centre's loss when unsupervised upstream does not protect / 中央不监管且上游不保护时的损失",
    "E": "centre's own benefit from supervising (public trust) / 中央监管的自身收益（公信力）",
}

_UP = ("protect", "not protect")
_DOWN = ("compensate", "not compensate")
_CENTRE = ("supervise", "not supervise")


def _param(value: float, name: str, where: str) -> float:
    f = _as_float(value, name, where=where, expected="a number >= 0")
    if not np.isfinite(f) or f < 0:
        raise DataError(
            f"{where}: parameter {name}={value!r}",
            expected=f"a finite number >= 0 ({DESCRIPTIONS[name]})",
        )
    return f


def _share(value: float, name: str) -> float:
    f = _as_float(value, name, where="replicator dynamics", expected="a share in [0, 1]")
    if not np.isfinite(f) or f < 0 or f > 1:
        raise DataError(f"replicator dynamics: initial share {name}={value!r}", expected="a share in [0, 1]")
    return f


def _start_shares(values: ArrayLike, name: str) -> np.ndarray:
    try:
        return np.atleast_1d(np.asarray(values, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise DataError(
            f"replicator dynamics: starting shares {name}={values!r} are not numbers",
            expected="shares in [0, 1]",
        ) from None


def _horizon(t: float, n_points: int) -> np.ndarray:
    tf = _as_float(t, "t", where="replicator dynamics", expected="t > 0")
    if not np.isfinite(tf) or tf <= 0:
        raise DataError(f"replicator dynamics: time horizon t={t!r}", expected="t > 0")
    if int(n_points) < 2:
        raise DataError(f"replicator dynamics: n_points={n_points!r}", expected="at least 2")
    return np.linspace(0.0, tf, int(n_points))


def _stability(j: np.ndarray) -> tuple[float, float, str]:
    """det, trace and Friedman's (1991) classification of a 2x2 Jacobian: det > 0, tr < 0
    stable; det > 0, tr > 0 unstable; det < 0 saddle; det > 0, tr = 0 centre; det = 0
    non-hyperbolic.  Zero means zero up to rounding relative to the entries."""
    det = float(j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0])
    tr = float(j[0, 0] + j[1, 1])
    det_tol = 1e-12 * float(abs(j[0, 0] * j[1, 1]) + abs(j[0, 1] * j[1, 0]))
    tr_tol = 1e-12 * float(abs(j[0, 0]) + abs(j[1, 1]))
    if abs(det) <= det_tol:
        return det, tr, "non-hyperbolic"
    if det < 0:
        return det, tr, "saddle"
    if abs(tr) <= tr_tol:
        return det, tr, "centre"
    return det, tr, "stable" if tr < 0 else "unstable"


@dataclass(frozen=True)
class RestPoint:
    """A rest point of the two-population dynamics with its local stability."""

    label: str
    x: float
    y: float
    jacobian: tuple[tuple[float, float], tuple[float, float]]
    det: float
    trace: float
    eigenvalues: tuple[complex, complex]
    stability: str
    ess: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "x": self.x,
            "y": self.y,
            "jacobian": [list(r) for r in self.jacobian],
            "det": self.det,
            "trace": self.trace,
            "eigenvalues": [{"real": float(e.real), "imag": float(e.imag)} for e in self.eigenvalues],
            "stability": self.stability,
            "ess": self.ess,
        }


@dataclass(frozen=True)
class EvolutionaryAnalysis(FrameHTML):
    """Rest points of the basin compensation dynamics, their stability and the ESS."""

    parameters: dict[str, float]
    points: tuple[RestPoint, ...]
    conditions: dict[str, float]

    @property
    def ess(self) -> tuple[RestPoint, ...]:
        return tuple(p for p in self.points if p.ess)

    def point(self, label: str) -> RestPoint:
        for p in self.points:
            if p.label == label:
                return p
        raise DataError(
            f"evolutionary analysis: no rest point {label!r}",
            expected=", ".join(q.label for q in self.points),
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "point": p.label,
                    "x": p.x,
                    "y": p.y,
                    "det": p.det,
                    "trace": p.trace,
                    "stability": p.stability,
                    "ess": p.ess,
                }
                for p in self.points
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": dict(self.parameters),
            "points": [p.to_dict() for p in self.points],
            "ess": [p.label for p in self.ess],
            "conditions": dict(self.conditions),
        }


@dataclass(frozen=True, eq=False)
class Trajectory(FrameHTML):
    """One solution path (t, x(t), y(t)) of the replicator ODE."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"t": self.t, "x": self.x, "y": self.y})

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t.tolist(), "x": self.x.tolist(), "y": self.y.tolist()}


@dataclass(frozen=True, eq=False)
class Trajectory3(FrameHTML):
    """One solution path (t, x(t), y(t), z(t)) of the three-population ODE."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"t": self.t, "x": self.x, "y": self.y, "z": self.z})

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t.tolist(), "x": self.x.tolist(), "y": self.y.tolist(), "z": self.z.tolist()}


@dataclass(frozen=True, eq=False)
class TrajectoryBundle(FrameHTML):
    """Many solution paths integrated in one pass: ``x[i, k]`` is path i at time ``t[k]``."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """End points, shape (n_paths, 2)."""
        return np.column_stack([self.x[:, -1], self.y[:, -1]])

    def to_frame(self) -> pd.DataFrame:
        n, m = self.x.shape
        return pd.DataFrame(
            {
                "path": np.repeat(np.arange(n), m),
                "t": np.tile(self.t, n),
                "x": self.x.ravel(),
                "y": self.y.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t.tolist(), "x": self.x.tolist(), "y": self.y.tolist()}


@dataclass(frozen=True, eq=False)
class Sweep(FrameHTML):
    """ESS of the two-population model as one parameter varies.

    ``ess[i]`` lists the ESS corners for ``values[i]``; ``unique_protect_compensate[i]``
    is True when (protect, compensate) is the only ESS.
    """

    parameter: str
    values: np.ndarray
    ess: tuple[tuple[str, ...], ...]
    protect_compensate_ess: np.ndarray
    unique_protect_compensate: np.ndarray
    upstream_condition: np.ndarray
    downstream_condition: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                self.parameter: self.values,
                "ess": [", ".join(e) for e in self.ess],
                "protect_compensate_ess": self.protect_compensate_ess,
                "unique": self.unique_protect_compensate,
                "Bu-C+A+Fu+P+K": self.upstream_condition,
                "Fd-P": self.downstream_condition,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "values": self.values.tolist(),
            "ess": [list(e) for e in self.ess],
            "protect_compensate_ess": self.protect_compensate_ess.tolist(),
            "unique_protect_compensate": self.unique_protect_compensate.tolist(),
            "upstream_condition": self.upstream_condition.tolist(),
            "downstream_condition": self.downstream_condition.tolist(),
        }


def _corner_label(x: int, y: int) -> str:
    return f"({_UP[1 - x]}, {_DOWN[1 - y]})"


CORNERS: tuple[tuple[int, int], ...] = ((0, 0), (1, 0), (0, 1), (1, 1))


def _corner_eigs(p: dict[str, np.ndarray]) -> np.ndarray:
    """Eigenvalues at the four corners (the Jacobian is diagonal there), vectorized over
    parameter arrays: shape (..., 4 corners, 2).  Corner order: CORNERS."""
    a = p["Bu"] - p["C"] + p["A"] + p["Fu"]
    m = p["P"] + p["K"]
    k = p["K"]
    f = p["Fd"] - p["P"]
    return np.stack(
        [
            np.stack([a, k], axis=-1),  # (0, 0)
            np.stack([-a, f], axis=-1),  # (1, 0)
            np.stack([a + m, -k], axis=-1),  # (0, 1)
            np.stack([-(a + m), -f], axis=-1),  # (1, 1)
        ],
        axis=-2,
    )


@dataclass(frozen=True)
class BasinCompensationGame:
    """Two-population evolutionary game of upstream protection and downstream
    compensation (see the module docstring for payoffs and dynamics).

    All parameters are non-negative money amounts per period; A, F_u, F_d and K default
    to 0 (no central instrument, no bidirectional clause).
    """

    Bu: float
    C: float
    Bd: float
    L: float
    P: float
    K: float = 0.0
    A: float = 0.0
    Fu: float = 0.0
    Fd: float = 0.0

    def __post_init__(self) -> None:
        for name in PARAMETERS:
            object.__setattr__(self, name, _param(getattr(self, name), name, "basin compensation game"))

    def parameters(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in PARAMETERS}

    def replace(self, **changes: float) -> BasinCompensationGame:
        unknown = set(changes) - set(PARAMETERS)
        if unknown:
            raise DataError(
                f"basin compensation game: unknown parameter(s) {sorted(unknown)}",
                expected=", ".join(PARAMETERS),
            )
        return dataclasses.replace(self, **changes)

    def payoff_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Upstream (row) and downstream (column) payoffs; rows protect / not protect,
        columns compensate / not compensate."""
        up = np.array(
            [[self.Bu - self.C + self.A + self.P, self.Bu - self.C + self.A], [-self.Fu - self.K, -self.Fu]]
        )
        down = np.array([[self.Bd - self.P, self.Bd - self.Fd], [-self.L + self.K, -self.L]])
        return up, down

    def bimatrix(self) -> BimatrixGame:
        up, down = self.payoff_matrices()
        return BimatrixGame(
            up, down, players=("upstream", "downstream"), row_strategies=_UP, col_strategies=_DOWN
        )

    def field(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """(dx/dt, dy/dt) at shares (x, y), vectorized (broadcast)."""
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
        dx = xa * (1 - xa) * (self.Bu - self.C + self.A + self.Fu + ya * (self.P + self.K))
        dy = ya * (1 - ya) * (self.K + xa * (self.Fd - self.P - self.K))
        return dx, dy

    def jacobian(self, x: float, y: float) -> np.ndarray:
        """Jacobian of the field at (x, y)::

            [[(1-2x) g(y),          x(1-x)(P+K)],
             [y(1-y)(F_d-P-K),      (1-2y) h(x)]]

        with g(y) = B_u - C + A + F_u + y(P+K) and h(x) = K + x(F_d - P - K).
        """
        g = self.Bu - self.C + self.A + self.Fu + y * (self.P + self.K)
        h = self.K + x * (self.Fd - self.P - self.K)
        return np.array(
            [
                [(1 - 2 * x) * g, x * (1 - x) * (self.P + self.K)],
                [y * (1 - y) * (self.Fd - self.P - self.K), (1 - 2 * y) * h],
            ]
        )

    def interior_point(self) -> tuple[float, float] | None:
        """(x*, y*) = (K / (P + K - F_d), -(B_u - C + A + F_u) / (P + K)) when it lies in (0, 1)^2."""
        den_x = self.P + self.K - self.Fd
        den_y = self.P + self.K
        if den_x == 0 or den_y == 0:
            return None
        xs = self.K / den_x
        ys = -(self.Bu - self.C + self.A + self.Fu) / den_y
        if 0 < xs < 1 and 0 < ys < 1:
            return float(xs), float(ys)
        return None

    def equilibria(self) -> EvolutionaryAnalysis:
        """The four corners and the interior point (if in (0, 1)^2), each with its
        Jacobian, determinant, trace, eigenvalues, stability (Friedman 1991) and whether
        it is an ESS (a strict Nash equilibrium of the bimatrix game, Selten 1980).

        >>> g = BasinCompensationGame(Bu=2, C=5, Bd=6, L=4, P=2, K=1, A=1, Fu=1.5, Fd=3)
        >>> [p.label for p in g.equilibria().ess]
        ['(protect, compensate)']
        """
        cls = classify(self.bimatrix())
        strict = set(cls.strict_pure_nash)
        pts: list[tuple[float, float, str, bool]] = [
            (float(x), float(y), _corner_label(x, y), (_UP[1 - x], _DOWN[1 - y]) in strict)
            for x, y in CORNERS
        ]
        ip = self.interior_point()
        if ip is not None:
            pts.append((ip[0], ip[1], "interior", False))
        out = []
        for x, y, label, ess in pts:
            j = self.jacobian(x, y)
            if label == "interior":
                # g(y*) = h(x*) = 0 by construction: the diagonal is zero, not rounding noise
                j[0, 0] = j[1, 1] = 0.0
            det, tr, stability = _stability(j)
            ev = np.linalg.eigvals(j)
            out.append(
                RestPoint(
                    label=label,
                    x=x,
                    y=y,
                    jacobian=((float(j[0, 0]), float(j[0, 1])), (float(j[1, 0]), float(j[1, 1]))),
                    det=det,
                    trace=tr,
                    eigenvalues=(complex(ev[0]), complex(ev[1])),
                    stability=stability,
                    ess=ess,
                )
            )
        return EvolutionaryAnalysis(
            parameters=self.parameters(),
            points=tuple(out),
            conditions={
                "Bu-C+A+Fu+P+K": self.Bu - self.C + self.A + self.Fu + self.P + self.K,
                "Fd-P": self.Fd - self.P,
            },
        )

    def trajectory(self, x0: float, y0: float, t: float = 50.0, *, n_points: int = 201) -> Trajectory:
        """Solve the replicator ODE from (x0, y0) on [0, t] (scipy ``solve_ivp``, RK45,
        rtol 1e-9, atol 1e-12)."""
        b = self.trajectories([x0], [y0], t, n_points=n_points)
        return Trajectory(b.t, b.x[0], b.y[0])

    def trajectories(
        self, x0: ArrayLike, y0: ArrayLike, t: float = 50.0, *, n_points: int = 201
    ) -> TrajectoryBundle:
        """Many paths at once: the ODEs of all starting points are stacked into one system
        and integrated in a single ``solve_ivp`` call (vectorized field)."""
        xa, ya = _start_shares(x0, "x0"), _start_shares(y0, "y0")
        if xa.shape != ya.shape or xa.size == 0:
            raise DataError(
                f"replicator dynamics: {xa.size} x0 and {ya.size} y0 values",
                expected="equally many starting shares",
            )
        bad = np.flatnonzero(~np.isfinite(xa) | ~np.isfinite(ya) | (xa < 0) | (xa > 1) | (ya < 0) | (ya > 1))
        if bad.size:
            i = int(bad[0])
            raise DataError(
                f"replicator dynamics: starting point {i} = ({xa[i]!r}, {ya[i]!r})",
                expected="shares in [0, 1]",
            )
        ts = _horizon(t, n_points)
        n = xa.size

        def rhs(_t: float, z: np.ndarray) -> np.ndarray:
            dx, dy = self.field(z[:n], z[n:])
            return np.concatenate([dx, dy])

        sol = solve_ivp(
            rhs,
            (0.0, float(ts[-1])),
            np.concatenate([xa, ya]),
            t_eval=ts,
            method="RK45",
            rtol=1e-9,
            atol=1e-12,
        )
        if not sol.success:
            raise DataError(f"replicator dynamics: ODE solver failed: {sol.message}")
        return TrajectoryBundle(ts, np.clip(sol.y[:n], 0, 1), np.clip(sol.y[n:], 0, 1))

    def grid_trajectories(
        self, per_axis: int = 5, t: float = 50.0, *, margin: float = 0.1, n_points: int = 201
    ) -> TrajectoryBundle:
        """Paths from a per_axis x per_axis grid of starting points on
        [margin, 1 - margin]^2 (row-major in y, then x), integrated in one pass."""
        k = int(per_axis)
        if k < 1 or not 0 <= margin < 0.5:
            raise DataError(
                f"replicator dynamics: grid per_axis={per_axis!r}, margin={margin!r}",
                expected="per_axis >= 1 and 0 <= margin < 0.5",
            )
        axis = np.linspace(margin, 1 - margin, k)
        gx, gy = np.meshgrid(axis, axis)
        return self.trajectories(gx.ravel(), gy.ravel(), t, n_points=n_points)

    def sweep(self, parameter: str, values: ArrayLike) -> Sweep:
        """Which values of ``parameter`` make (protect, compensate) the (unique) ESS.

        Vectorized over ``values``: at the corners the Jacobian is diagonal, with
        eigenvalues (a, K), (-a, F_d - P), (a + P + K, -K), (-(a + P + K), -(F_d - P))
        for (0,0), (1,0), (0,1), (1,1), a = B_u - C + A + F_u; a corner is an ESS when
        both are negative.
        """
        if parameter not in PARAMETERS:
            raise DataError(f"sweep: unknown parameter {parameter!r}", expected=", ".join(PARAMETERS))
        v = np.asarray(values, dtype=float).ravel()
        if v.size == 0 or np.any(~np.isfinite(v) | (v < 0)):
            raise DataError(
                f"sweep: values for {parameter}", expected="a non-empty list of finite numbers >= 0"
            )
        p = {name: np.full(v.shape, getattr(self, name), dtype=float) for name in PARAMETERS}
        p[parameter] = v
        eig = _corner_eigs(p)  # (len, 4, 2)
        is_ess = np.all(eig < 0, axis=-1)  # (len, 4)
        labels = [_corner_label(x, y) for x, y in CORNERS]
        ess = tuple(tuple(labels[c] for c in np.flatnonzero(row)) for row in is_ess)
        pc = is_ess[:, 3]
        return Sweep(
            parameter=parameter,
            values=v,
            ess=ess,
            protect_compensate_ess=pc,
            unique_protect_compensate=pc & (is_ess.sum(axis=1) == 1),
            upstream_condition=p["Bu"] - p["C"] + p["A"] + p["Fu"] + p["P"] + p["K"],
            downstream_condition=p["Fd"] - p["P"],
        )

    def to_dict(self) -> dict[str, Any]:
        return self.parameters()


# --------------------------------------------------------------------------------------
# Three populations: upstream, downstream, central government
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripartiteCorner:
    """A corner (x, y, z) of the three-population dynamics with its eigenvalues."""

    label: str
    x: int
    y: int
    z: int
    eigenvalues: tuple[complex, complex, complex]
    stability: str
    ess: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "x": self.x,
            "y": self.y,
            "z": self.z,
            "eigenvalues": [{"real": float(e.real), "imag": float(e.imag)} for e in self.eigenvalues],
            "stability": self.stability,
            "ess": self.ess,
        }


@dataclass(frozen=True)
class TripartiteAnalysis(FrameHTML):
    parameters: dict[str, float]
    corners: tuple[TripartiteCorner, ...]

    @property
    def ess(self) -> tuple[TripartiteCorner, ...]:
        return tuple(c for c in self.corners if c.ess)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "corner": c.label,
                    "x": c.x,
                    "y": c.y,
                    "z": c.z,
                    "lambda1": c.eigenvalues[0].real,
                    "lambda2": c.eigenvalues[1].real,
                    "lambda3": c.eigenvalues[2].real,
                    "stability": c.stability,
                    "ess": c.ess,
                }
                for c in self.corners
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {"parameters": dict(self.parameters), "corners": [c.to_dict() for c in self.corners]}


@dataclass(frozen=True)
class TripartiteCompensationGame:
    """Upstream (x), downstream (y) and central government (z = share supervising) as
    three populations; see the module docstring for the payoff differences.

    Cg: supervision cost; G: the centre's loss when it does not supervise and upstream
    does not protect; E: the centre's own benefit from supervising.  Rewards and fines
    apply only under supervision.  With E <= C_g + A the centre never keeps supervising
    once both regions cooperate, so (protect, compensate, supervise) is not an ESS.
    """

    Bu: float
    C: float
    Bd: float
    L: float
    P: float
    K: float = 0.0
    A: float = 0.0
    Fu: float = 0.0
    Fd: float = 0.0
    Cg: float = 0.0
    G: float = 0.0
    E: float = 0.0

    def __post_init__(self) -> None:
        for name in TRIPARTITE_PARAMETERS:
            object.__setattr__(self, name, _param(getattr(self, name), name, "tripartite compensation game"))

    def parameters(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in TRIPARTITE_PARAMETERS}

    def payoffs(self, x: ArrayLike, y: ArrayLike, z: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Payoffs of (upstream, downstream, centre) for pure or mixed profiles (x, y, z =
        probabilities of protect, compensate, supervise), vectorized.

        Upstream: protect B_u - C + z A + y P; not protect -z F_u - y K.
        Downstream: compensate x (B_d - P) + (1 - x)(K - L); not x (B_d - z F_d) - (1 - x) L.
        Centre: supervise E - C_g - x A + (1 - x) F_u + x (1 - y) F_d; not supervise -(1 - x) G.
        """
        xa, ya, za = (np.asarray(v, dtype=float) for v in (x, y, z))
        up = xa * (self.Bu - self.C + za * self.A + ya * self.P) + (1 - xa) * (-za * self.Fu - ya * self.K)
        down = ya * (xa * (self.Bd - self.P) + (1 - xa) * (self.K - self.L)) + (1 - ya) * (
            xa * (self.Bd - za * self.Fd) - (1 - xa) * self.L
        )
        centre = za * (self.E - self.Cg - xa * self.A + (1 - xa) * self.Fu + xa * (1 - ya) * self.Fd) + (
            1 - za
        ) * (-(1 - xa) * self.G)
        return up, down, centre

    def payoff_table(self) -> pd.DataFrame:
        """The eight pure profiles with the three payoffs."""
        xs, ys, zs = (a.ravel() for a in np.meshgrid([1, 0], [1, 0], [1, 0], indexing="ij"))
        up, down, centre = self.payoffs(xs, ys, zs)
        return pd.DataFrame(
            {
                "upstream": [_UP[1 - v] for v in xs],
                "downstream": [_DOWN[1 - v] for v in ys],
                "centre": [_CENTRE[1 - v] for v in zs],
                "payoff_upstream": up,
                "payoff_downstream": down,
                "payoff_centre": centre,
            }
        )

    def field(self, x: ArrayLike, y: ArrayLike, z: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dx/dt, dy/dt, dz/dt), vectorized."""
        xa, ya, za = (np.asarray(v, dtype=float) for v in (x, y, z))
        gx = self.Bu - self.C + za * (self.A + self.Fu) + ya * (self.P + self.K)
        gy = xa * (za * self.Fd - self.P) + (1 - xa) * self.K
        gz = self.E - self.Cg - xa * self.A + (1 - xa) * (self.Fu + self.G) + xa * (1 - ya) * self.Fd
        return xa * (1 - xa) * gx, ya * (1 - ya) * gy, za * (1 - za) * gz

    def jacobian(self, x: float, y: float, z: float) -> np.ndarray:
        """Analytic 3x3 Jacobian of :meth:`field`."""
        gx = self.Bu - self.C + z * (self.A + self.Fu) + y * (self.P + self.K)
        gy = x * (z * self.Fd - self.P) + (1 - x) * self.K
        gz = self.E - self.Cg - x * self.A + (1 - x) * (self.Fu + self.G) + x * (1 - y) * self.Fd
        vx, vy, vz = x * (1 - x), y * (1 - y), z * (1 - z)
        return np.array(
            [
                [(1 - 2 * x) * gx, vx * (self.P + self.K), vx * (self.A + self.Fu)],
                [vy * (z * self.Fd - self.P - self.K), (1 - 2 * y) * gy, vy * x * self.Fd],
                [
                    vz * (-self.A - self.Fu - self.G + (1 - y) * self.Fd),
                    vz * (-x * self.Fd),
                    (1 - 2 * z) * gz,
                ],
            ]
        )

    def corners(self) -> TripartiteAnalysis:
        """The 8 corner rest points, the eigenvalues of the Jacobian at each, and stability:
        all real parts < 0 asymptotically stable (ESS); positive and negative real parts
        saddle; positive and no negative unstable; otherwise non-hyperbolic."""
        scale = max(1.0, *(abs(v) for v in self.parameters().values()))
        tol = 1e-12 * scale
        out = []
        for x, y, z in ((x, y, z) for x in (1, 0) for y in (1, 0) for z in (1, 0)):
            ev = np.linalg.eigvals(self.jacobian(x, y, z))
            re = ev.real
            if np.all(re < -tol):
                stab = "stable"
            elif np.any(re > tol) and np.any(re < -tol):
                stab = "saddle"
            elif np.any(re > tol):
                stab = "unstable"
            else:
                stab = "non-hyperbolic"
            out.append(
                TripartiteCorner(
                    label=f"({_UP[1 - x]}, {_DOWN[1 - y]}, {_CENTRE[1 - z]})",
                    x=x,
                    y=y,
                    z=z,
                    eigenvalues=(complex(ev[0]), complex(ev[1]), complex(ev[2])),
                    stability=stab,
                    ess=stab == "stable",
                )
            )
        return TripartiteAnalysis(self.parameters(), tuple(out))

    def trajectory(
        self, x0: float, y0: float, z0: float, t: float = 50.0, *, n_points: int = 201
    ) -> Trajectory3:
        """Solve the 3-D replicator ODE from (x0, y0, z0) on [0, t] (RK45, rtol 1e-9)."""
        s = np.array([_share(x0, "x0"), _share(y0, "y0"), _share(z0, "z0")])
        ts = _horizon(t, n_points)

        def rhs(_t: float, v: np.ndarray) -> np.ndarray:
            return np.array(self.field(v[0], v[1], v[2]), dtype=float)

        sol = solve_ivp(rhs, (0.0, float(ts[-1])), s, t_eval=ts, method="RK45", rtol=1e-9, atol=1e-12)
        if not sol.success:
            raise DataError(f"replicator dynamics: ODE solver failed: {sol.message}")
        y = np.clip(sol.y, 0, 1)
        return Trajectory3(ts, y[0], y[1], y[2])

    def to_dict(self) -> dict[str, Any]:
        return self.parameters()
