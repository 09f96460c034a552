"""Dividing a fixed pool E among claims d with E <= sum d (bankruptcy problems).

Rules (Thomson 2003, "Axiomatic and game-theoretic analysis of bankruptcy and taxation
problems", Mathematical Social Sciences 45: 249-297): proportional, constrained equal
awards (CEA), constrained equal losses (CEL), Talmud (Aumann and Maschler 1985) and random
arrival (O'Neill 1982), the Shapley value of the bankruptcy game
v(S) = max(0, E - d(N minus S)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from regcoord.games.cooperative._game import (
    MAX_PLAYERS,
    Allocation,
    FloatArray,
    GameError,
    TUGame,
    coalition_sums,
)
from regcoord.games.cooperative._shapley import shapley_array

#: largest problem for the exact random-arrival rule (O(2^n) memory)
MAX_RANDOM_ARRIVAL = 25


def _claims(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None
) -> tuple[float, FloatArray, tuple[str, ...]]:
    if isinstance(claims, Mapping):
        names = tuple(str(k) for k in claims)
        d = np.array([float(claims[k]) for k in claims], dtype=np.float64)
    else:
        d = np.asarray(claims, dtype=np.float64).ravel()
        names = (
            tuple(str(p) for p in players)
            if players is not None
            else tuple(str(i + 1) for i in range(d.size))
        )
    if len(names) != d.size:
        raise GameError(f"{len(names)} claimant names for {d.size} claims")
    if d.size == 0:
        raise GameError("no claims (expected at least one claimant)")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        k = int(np.flatnonzero(~(np.isfinite(d) & (d >= 0)))[0])
        raise GameError(f"claim of {names[k]!r} is {d[k]} (expected a finite number >= 0)")
    e = float(estate)
    total = float(d.sum())
    if not np.isfinite(e) or e < 0:
        raise GameError(f"estate {estate} (expected a finite number >= 0)")
    if e > total * (1 + 1e-12) + 1e-12:
        raise GameError(f"estate {e:g} exceeds the total claims {total:g} (expected E <= sum of claims)")
    return min(e, total), d, names


def cea_array(estate: float, claims: FloatArray) -> FloatArray:
    """Constrained equal awards: x_i = min(d_i, lambda) with sum x = E (closed form after sorting)."""
    d = np.asarray(claims, dtype=np.float64)
    if d.size == 0:
        return d.copy()
    order = np.argsort(d, kind="stable")
    ds = d[order]
    n = d.size
    # giving lambda = ds[k] to everyone not below it uses prefix(k) + ds[k] * (n - k)
    prefix = np.concatenate([[0.0], np.cumsum(ds)[:-1]])
    used = prefix + ds * (n - np.arange(n))
    k = int(np.searchsorted(used, estate, side="left"))
    lam = ds[-1] if k >= n else (estate - prefix[k]) / (n - k)
    return np.minimum(d, lam)


def _alloc(names: tuple[str, ...], x: FloatArray, method: str, note: str) -> Allocation:
    return Allocation(names, tuple(float(a) for a in x + 0.0), method, (note,))


def proportional(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> Allocation:
    """x_i = E d_i / sum_j d_j."""
    e, d, names = _claims(estate, claims, players)
    total = d.sum()
    x = np.zeros_like(d) if total == 0 else e * d / total
    return _alloc(names, x, "proportional", "x_i = E d_i / sum d")


def constrained_equal_awards(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> Allocation:
    """CEA (Maimonides): x_i = min(d_i, lambda), lambda chosen so that sum x = E."""
    e, d, names = _claims(estate, claims, players)
    return _alloc(names, cea_array(e, d), "constrained_equal_awards", "x_i = min(d_i, lambda), sum x = E")


def constrained_equal_losses(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> Allocation:
    """CEL: x_i = max(0, d_i - mu), mu chosen so that sum x = E; equals d - CEA(sum d - E, d)."""
    e, d, names = _claims(estate, claims, players)
    x = d - cea_array(float(d.sum()) - e, d)
    return _alloc(names, x, "constrained_equal_losses", "x_i = max(0, d_i - mu), sum x = E")


def talmud(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> Allocation:
    """Talmud rule (Aumann and Maschler 1985).

    E <= D/2: CEA on the half-claims d/2.  E > D/2: each gets d_i/2 and the rest
    E - D/2 is divided by CEL on the other halves, i.e. x = d - CEA(D - E, d/2).
    It is the nucleolus of the bankruptcy game (Aumann and Maschler 1985).

    Examples
    --------
    The Talmud's estate of 200 with claims 100, 200, 300 (Ketubot 93a):

    >>> talmud(200, [100, 200, 300]).values
    (50.0, 75.0, 75.0)
    """
    e, d, names = _claims(estate, claims, players)
    total = float(d.sum())
    x = cea_array(e, d / 2) if e <= total / 2 else d - cea_array(total - e, d / 2)
    return _alloc(names, x, "talmud", "CEA on half-claims if E <= D/2, else half-claims plus CEL on the rest")


def bankruptcy_game(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> TUGame:
    """The bankruptcy game (O'Neill 1982): v(S) = max(0, E - sum_{j not in S} d_j)."""
    e, d, names = _claims(estate, claims, players)
    if d.size > MAX_PLAYERS:
        raise GameError(f"{d.size} claimants (expected at most {MAX_PLAYERS} for the dense game)")
    v = np.maximum(0.0, e - (float(d.sum()) - coalition_sums(d)))
    v[0] = 0.0
    return TUGame(names, v)


def random_arrival(
    estate: float, claims: Mapping[str, float] | Sequence[float], players: Sequence[str] | None = None
) -> Allocation:
    """Random arrival rule (O'Neill 1982): claimants arrive in a uniformly random order and
    each is paid in full while the estate lasts; the expected award is the Shapley value of
    the bankruptcy game, computed exactly by the O(2^n) bitmask Shapley (n <= 25).
    """
    e, d, names = _claims(estate, claims, players)
    if d.size > MAX_RANDOM_ARRIVAL:
        raise GameError(
            f"{d.size} claimants (expected at most {MAX_RANDOM_ARRIVAL} for the exact random-arrival rule)"
        )
    v = np.maximum(0.0, e - (float(d.sum()) - coalition_sums(d)))
    v[0] = 0.0
    x = shapley_array(v, d.size)
    return _alloc(names, x, "random_arrival", "Shapley value of v(S) = max(0, E - d(N minus S))")
