"""Shapley, Banzhaf and weighted Shapley values (exact, by bitmask), and Monte Carlo Shapley.

Exact values use one identity: a value of the form
phi_i = sum_{S not containing i} w(|S|) (v(S u i) - v(S)) equals

    phi_i = sum_{T containing i} (w(|T|-1) + w(|T|)) v(T)  -  sum_{all S} w(|S|) v(S)

(split the second sum into S containing i and S not containing i; w(n) := 0).  So it
needs, for every player, the sum of one weighted array over the masks containing that
player.  These n "bit sums" come in O(2^n) by folding: the masks containing the highest
bit are the upper half of the array; adding the upper half onto the lower half removes that
bit, and so on down to bit 0 (2^n + 2^(n-1) + ... additions).  The array is processed in
cache-sized chunks whose high bits are constant, so no 2^n temporary is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.games.cooperative._game import (
    Allocation,
    FloatArray,
    GameError,
    Progress,
    TUGame,
    coalition_sums,
    popcounts,
)

#: chunk of the 2^n array processed at once (2^18 float64 = 2 MiB)
_CHUNK_BITS = 18


def bit_sums(x: npt.ArrayLike) -> FloatArray:
    """s_i = sum of x[mask] over the masks with bit i set, for an array of length 2^n; O(2^n)."""
    arr = np.asarray(x, dtype=np.float64)
    n = arr.size.bit_length() - 1
    if arr.size != 1 << n:
        raise GameError(f"array of length {arr.size} (expected a power of two)")
    out = np.zeros(n, dtype=np.float64)
    _fold(arr, n, out)
    return out


def _fold(x: FloatArray, k: int, out: FloatArray) -> None:
    """Add to out[i] (i < k) the sum of x over masks with bit i set (x has length 2^k)."""
    for i in range(k - 1, -1, -1):
        half = 1 << i
        out[i] += x[half:].sum()
        x = x[:half] + x[half:]


def popcount_weighted_sums(v: FloatArray, n: int, a: FloatArray, b: FloatArray) -> tuple[FloatArray, float]:
    """(s, t) with s_i = sum_{T containing i} a[|T|] v(T) and t = sum_T b[|T|] v(T).

    ``a`` and ``b`` are tables indexed by coalition size 0..n.  Chunked: within a chunk of
    2^k masks the high bits are constant, so the size is popcount(low) + popcount(high) and
    the per-chunk weight arrays are reused for every chunk with the same high popcount.
    """
    k = min(n, _CHUNK_BITS)
    low_pc = popcounts(k).astype(np.intp)
    cache: dict[int, tuple[FloatArray, FloatArray]] = {}
    s = np.zeros(n, dtype=np.float64)
    total = 0.0
    chunk = 1 << k
    for h in range(1 << (n - k)):
        hp = int(h).bit_count()
        if hp not in cache:
            cache[hp] = (a[low_pc + hp], b[low_pc + hp])
        wa, wb = cache[hp]
        vc = v[h * chunk : (h + 1) * chunk]
        cc = vc * wa
        total += float(vc @ wb)
        if h:
            csum = float(cc.sum())
            for j in range(n - k):
                if h >> j & 1:
                    s[k + j] += csum
        _fold(cc, k, s)
    return s, total


def shapley_weights(n: int) -> FloatArray:
    """w(k) = k! (n-k-1)! / n! = 1 / (n C(n-1, k)) for k = 0..n-1, and w(n) = 0."""
    w = np.zeros(n + 1, dtype=np.float64)
    for k in range(n):
        w[k] = 1.0 / (n * math.comb(n - 1, k))
    return w


def shapley_array(v: FloatArray, n: int) -> FloatArray:
    """Exact Shapley value of the game given by the array v (v[0] may be non-zero)."""
    w = shapley_weights(n)
    a = np.zeros(n + 1, dtype=np.float64)
    a[1:] = w[:-1] + w[1:]
    s, t = popcount_weighted_sums(v, n, a, w)
    return s - t


def shapley(game: TUGame) -> Allocation:
    """Exact Shapley value (Shapley 1953).

    phi_i = sum_{S subset N minus i} |S|! (n-|S|-1)! / n! (v(S u i) - v(S)), computed in
    O(2^n) time by the bit-sum identity of this module (n = 20 in milliseconds, n = 25 in
    about a second; memory binds first: the game itself is 8 * 2^n bytes).

    Examples
    --------
    Glove game (one left glove, two right gloves):

    >>> g = TUGame(("L", "R1", "R2"), [0, 0, 0, 1, 0, 1, 0, 1])
    >>> [round(x, 4) for x in shapley(g).values]
    [0.6667, 0.1667, 0.1667]
    """
    phi = shapley_array(game.v, game.n)
    return Allocation(
        game.players,
        tuple(phi),
        "shapley",
        (f"exact Shapley value over all {1 << game.n} coalitions of {game.n} players (Shapley 1953)",),
    )


def banzhaf(game: TUGame, *, normalized: bool = False) -> Allocation:
    """Banzhaf value (Banzhaf 1965; Owen 1975): beta_i = 2^-(n-1) sum_{S not containing i} (v(S u i) - v(S)).

    With ``normalized=True`` the values are rescaled to sum to v(N) (the normalized Banzhaf
    index); the raw value is not efficient in general.
    """
    n = game.n
    c = 1.0 / float(1 << (n - 1))
    a = np.full(n + 1, 2.0 * c)
    b = np.full(n + 1, c)
    s, t = popcount_weighted_sums(game.v, n, a, b)
    beta = s - t
    trace = [f"Banzhaf value: marginal contributions weighted 1/2^{n - 1} (Banzhaf 1965)"]
    if normalized:
        total = beta.sum()
        if abs(total) < 1e-300:
            raise GameError("the Banzhaf values sum to 0: cannot normalize to v(N)")
        beta = beta * (game.v[-1] / total)
        trace.append("rescaled to sum to v(N)")
    return Allocation(
        game.players, tuple(beta), "banzhaf_normalized" if normalized else "banzhaf", tuple(trace)
    )


def weighted_shapley(game: TUGame, weights: Mapping[str, float] | Sequence[float]) -> Allocation:
    """Weighted Shapley value (Kalai and Samet 1987) for positive weights.

    phi_i = sum_{S containing i} (w_i / w(S)) d(S), with d the Harsanyi dividends (fast
    Möbius transform) and w(S) = sum_{j in S} w_j: each coalition's dividend is split in
    proportion to the members' weights.  Equal weights give the Shapley value.
    """
    w = game.allocation_array(weights)
    if np.any(w <= 0):
        bad = game.players[int(np.flatnonzero(w <= 0)[0])]
        raise GameError(f"weight of player {bad!r} is not positive (expected weights > 0)")
    d = game.harsanyi_dividends()
    ws = coalition_sums(w)
    ws[0] = 1.0  # d(empty) = 0
    phi = w * bit_sums(d / ws)
    return Allocation(
        game.players,
        tuple(phi),
        "weighted_shapley",
        ("Harsanyi dividends split in proportion to weights (Kalai and Samet 1987)",),
    )


# ---------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class CoalitionFunction:
    """A game too large to tabulate: ``worth`` maps a boolean membership matrix (m, n) to m worths."""

    players: tuple[str, ...]
    worth: Callable[[npt.NDArray[np.bool_]], npt.ArrayLike]

    @property
    def n(self) -> int:
        return len(self.players)


@dataclass(frozen=True)
class MonteCarloShapley(FrameHTML):
    """Sampled Shapley value with a standard error per player (Castro, Gomez and Tejada 2009)."""

    players: tuple[str, ...]
    values: tuple[float, ...]
    standard_errors: tuple[float, ...]
    permutations: int
    converged: bool
    target_se: float | None

    @property
    def allocation(self) -> Allocation:
        return Allocation(
            self.players,
            self.values,
            "shapley_monte_carlo",
            (
                f"{self.permutations} random orders; max standard error {max(self.standard_errors):.3g}"
                + (f" (target {self.target_se:g})" if self.target_se is not None else ""),
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "shapley_monte_carlo",
            "players": list(self.players),
            "values": list(self.values),
            "standard_errors": list(self.standard_errors),
            "permutations": self.permutations,
            "converged": self.converged,
            "target_se": self.target_se,
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"player": list(self.players), "shapley": list(self.values), "se": list(self.standard_errors)}
        )


def shapley_monte_carlo(
    game: TUGame | CoalitionFunction,
    *,
    target_se: float | None = None,
    max_permutations: int = 100_000,
    batch_size: int = 1_000,
    seed: int | np.random.Generator | None = None,
    progress: Progress | None = None,
) -> MonteCarloShapley:
    """Estimate the Shapley value by sampling random orders (Castro, Gomez and Tejada 2009).

    phi_i = E_pi[v(P_i(pi) u i) - v(P_i(pi))] over uniformly random orders pi, P_i the
    players before i.  Orders are drawn in batches (one array pass per batch); each
    player's estimate is the mean of its marginal contributions and its standard error is
    their sample standard deviation / sqrt(m).  Stops when every standard error is at most
    ``target_se`` (checked after each batch, at least two batches) or after
    ``max_permutations`` orders.
    """
    if max_permutations < 2:
        raise GameError(f"max_permutations = {max_permutations} (expected at least 2)")
    if batch_size < 1:
        raise GameError(f"batch_size = {batch_size} (expected at least 1)")
    if target_se is not None and not target_se > 0:
        raise GameError(f"target_se = {target_se} (expected a positive number)")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = game.n
    total = np.zeros(n)
    total_sq = np.zeros(n)
    m = 0
    converged = False
    se = np.full(n, np.inf)
    while m < max_permutations:
        b = min(batch_size, max_permutations - m)
        perms = np.argsort(rng.random((b, n)), axis=1)
        if isinstance(game, TUGame):
            bits = np.left_shift(np.int64(1), perms.astype(np.int64))
            cum = np.cumsum(bits, axis=1)
            marg = game.v[cum] - game.v[cum - bits]
            contrib = np.empty((b, n))
            np.put_along_axis(contrib, perms, marg, axis=1)
        else:
            pos = np.argsort(perms, axis=1)  # position of each player in its order
            steps = np.arange(n + 1)
            member = pos[:, None, :] < steps[None, :, None]  # (b, n+1, n): first k players
            worth = np.asarray(game.worth(member.reshape(-1, n)), dtype=np.float64)
            if worth.shape != (b * (n + 1),):
                raise GameError(f"worth() returned shape {worth.shape} (expected ({b * (n + 1)},))")
            worth = worth.reshape(b, n + 1)
            contrib = np.take_along_axis(worth, pos + 1, axis=1) - np.take_along_axis(worth, pos, axis=1)
        total += contrib.sum(axis=0)
        total_sq += np.square(contrib).sum(axis=0)
        m += b
        if progress is not None:
            progress(m, max_permutations)
        if m >= 2:
            mean = total / m
            var = np.maximum(total_sq / m - mean**2, 0.0) * m / (m - 1)
            se = np.sqrt(var / m)
            if target_se is not None and m >= 2 * min(batch_size, max_permutations) and se.max() <= target_se:
                converged = True
                break
    return MonteCarloShapley(
        players=tuple(game.players),
        values=tuple(float(a) for a in total / m),
        standard_errors=tuple(float(x) for x in se),
        permutations=m,
        converged=converged,
        target_se=target_se,
    )
