"""Owen value for a game with a coalition structure (a priori unions, e.g. economic plates)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regcoord.games.cooperative._game import SEP, Allocation, GameError, TUGame, popcounts
from regcoord.games.cooperative._shapley import shapley_array, shapley_weights


def parse_unions(text: str) -> list[list[str]]:
    """ "A+B|C" -> [["A", "B"], ["C"]] (unions separated by ``|``, members by ``+``)."""
    unions = []
    for part in text.split("|"):
        names = [s.strip() for s in part.split(SEP) if s.strip()]
        if not names:
            raise GameError(f"empty union in {text!r} (expected unions such as 'A+B|C')")
        unions.append(names)
    return unions


def _union_masks(game: TUGame, unions: Sequence[Sequence[str]]) -> list[int]:
    index = {p: i for i, p in enumerate(game.players)}
    seen: dict[str, int] = {}
    masks = []
    for k, union in enumerate(unions):
        if len(union) == 0:
            raise GameError(f"union {k + 1} is empty (expected at least one player)")
        m = 0
        for p in union:
            if p not in index:
                raise GameError(
                    f"unknown player {p!r} in union {k + 1} (expected one of {', '.join(game.players)})"
                )
            if p in seen:
                raise GameError(
                    f"player {p!r} is in union {seen[p] + 1} and union {k + 1} (expected a partition)"
                )
            seen[p] = k
            m |= 1 << index[p]
        masks.append(m)
    missing = [p for p in game.players if p not in seen]
    if missing:
        raise GameError(f"player {missing[0]!r} is in no union (expected every player in exactly one union)")
    return masks


def _or_subsets(masks: Sequence[int]) -> np.ndarray:
    """The union of every subset of the disjoint ``masks`` (index = subset bitmask over masks)."""
    out = np.zeros(1 << len(masks), dtype=np.int64)
    size = 1
    for m in masks:
        out[size : 2 * size] = out[:size] | m
        size <<= 1
    return out


def quotient_game(
    game: TUGame, unions: Sequence[Sequence[str]], names: Sequence[str] | None = None
) -> TUGame:
    """The game between unions: u(R) = v(union of the unions in R).

    Unions are named by ``names`` or by their members joined with "&" ("A&B").
    """
    masks = _union_masks(game, unions)
    labels = tuple(names) if names is not None else tuple("&".join(u) for u in unions)
    if len(labels) != len(masks):
        raise GameError(f"{len(labels)} names for {len(masks)} unions")
    return TUGame(labels, game.v[_or_subsets(masks)])


def owen(game: TUGame, unions: Sequence[Sequence[str]]) -> Allocation:
    """Owen value (Owen 1977) of ``game`` with the coalition structure ``unions`` (a partition).

    For player i in union P_k (m unions, p = |P_k|):

        phi_i = sum_{R subset M minus k} sum_{T subset P_k minus i}
                r! (m-r-1)! / m!  *  t! (p-t-1)! / p!  *  (v(Q_R u T u i) - v(Q_R u T))

    with Q_R the union of the unions in R: Shapley between the unions, then Shapley inside
    a union with the other unions acting as blocks.  By linearity it is the Shapley value,
    on P_k, of u_k(T) = sum_R r! (m-r-1)!/m! v(Q_R u T), which is computed as one
    matrix-vector product over the (2^(m-1), 2^p) table of v.  Singleton unions or a single
    union give the Shapley value; union totals equal the Shapley value of the quotient game.
    """
    masks = _union_masks(game, unions)
    m = len(masks)
    wout = shapley_weights(m)[:-1]  # r! (m-r-1)! / m! for r = 0..m-1
    phi = np.zeros(game.n)
    for k, mk in enumerate(masks):
        others = [x for j, x in enumerate(masks) if j != k]
        outer = _or_subsets(others)
        r_size = popcounts(len(others)).astype(np.intp)
        member_bits = [1 << i for i in range(game.n) if mk >> i & 1]
        inner = _or_subsets(member_bits)
        table = game.v[outer[:, None] | inner[None, :]]
        u = wout[r_size] @ table
        phi[[b.bit_length() - 1 for b in member_bits]] = shapley_array(u, len(member_bits))
    trace = (
        f"coalition structure: {' | '.join(game.label(x) for x in masks)}",
        "Owen value: Shapley between unions, then within each union with the others as blocks (Owen 1977)",
    )
    return Allocation(game.players, tuple(phi), "owen", trace)
