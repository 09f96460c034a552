"""The transferable-utility game: one characteristic function stored once, indexed by bitmask.

A TU game on players N = {0, ..., n-1} is a map v: 2^N -> R with v(empty) = 0
(von Neumann and Morgenstern 1944).  :class:`TUGame` stores v as a float64 NumPy array of
length 2^n; coalition S sits at index ``sum(1 << i for i in S)`` (bit i = player i).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.data import is_workbook, read_table
from regcoord.data._sniff import check_text_file
from regcoord.errors import DataError, RegcoordError

FloatArray = npt.NDArray[np.float64]
#: ``progress(done, total)``: the optional callback of long computations (sampling, LPs)
Progress = Callable[[int, int], None]

#: the largest game stored as a dense array (2^28 float64 = 2 GiB)
MAX_PLAYERS = 28
#: separator of player names in a coalition label ("A+B+C")
SEP = "+"


class GameError(RegcoordError):
    """A game, an allocation or a coalition structure is malformed or unsuitable."""


def coalition_sums(x: npt.ArrayLike) -> FloatArray:
    """x(S) = sum_{i in S} x_i for every coalition mask S, in O(2^n) by doubling.

    After processing player i the array holds the sums of all masks below 2^(i+1): the
    masks containing i are the upper half, equal to the lower half plus x_i.
    """
    arr = np.asarray(x, dtype=np.float64).ravel()
    out = np.zeros(1 << arr.size, dtype=np.float64)
    size = 1
    for xi in arr:
        np.add(out[:size], xi, out=out[size : 2 * size])
        size <<= 1
    return out


def popcounts(n: int) -> npt.NDArray[np.uint8]:
    """|S| for every mask S of n players (uint8 table, built by doubling)."""
    out = np.zeros(1 << n, dtype=np.uint8)
    size = 1
    for _ in range(n):
        np.add(out[:size], 1, out=out[size : 2 * size])
        size <<= 1
    return out


def members(mask: int, n: int) -> tuple[int, ...]:
    """The player indices in ``mask``."""
    return tuple(i for i in range(n) if mask >> i & 1)


@dataclass(frozen=True, eq=False)
class TUGame(FrameHTML):
    """A cooperative game with transferable utility.

    Attributes
    ----------
    players:
        Player names (e.g. region codes); player i is bit i of a coalition mask.
    v:
        Read-only float64 array of length 2^n, ``v[mask]`` = worth of the coalition.
        ``v[0]`` (the empty coalition) is 0.

    Examples
    --------
    >>> g = TUGame.from_dict({"L": 0, "R1": 0, "R2": 0, "L+R1": 1, "L+R2": 1, "R1+R2": 0, "L+R1+R2": 1})
    >>> g.value("L+R2")
    1.0
    """

    players: tuple[str, ...]
    v: FloatArray

    def __post_init__(self) -> None:
        players = tuple(str(p) for p in self.players)
        n = len(players)
        if n == 0:
            raise GameError("a game needs at least one player")
        if n > MAX_PLAYERS:
            raise GameError(
                f"{n} players: the dense characteristic function would need 2^{n} values "
                f"(expected at most {MAX_PLAYERS} players; use Monte Carlo Shapley for larger games)"
            )
        seen: set[str] = set()
        for p in players:
            if not p.strip():
                raise GameError("a player name is empty (expected a non-empty name)")
            if SEP in p:
                raise GameError(f"player name {p!r} contains {SEP!r} (it separates names in coalitions)")
            if p in seen:
                raise GameError(f"player {p!r} appears twice (expected unique player names)")
            seen.add(p)
        v = np.asarray(self.v)
        # a read-only float64 vector is kept as is (no 2 GiB copy at n = 28); anything else is copied
        if not (v.dtype == np.float64 and v.ndim == 1 and not v.flags.writeable):
            v = np.array(v, dtype=np.float64, copy=True).ravel()  # never alias a caller's writable array
        if v.size != 1 << n:
            raise GameError(f"the characteristic function has {v.size} values (expected 2^{n} = {1 << n})")
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise GameError(
                f"coalition {self._label(int(bad[0]), players)!r} has a non-finite worth {v[bad[0]]}"
            )
        if v[0] != 0.0:
            raise GameError(f"the empty coalition is worth {v[0]} (expected 0)")
        v.setflags(write=False)
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "v", v)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, worth: Mapping[Any, float], players: Sequence[str] | None = None) -> TUGame:
        """Build from ``{coalition: worth}``; a coalition is a frozenset/tuple of names or "A+B".

        Every non-empty coalition must be given; the empty one may be omitted (worth 0).
        """
        items: list[tuple[frozenset[str], Any, str]] = []
        order: list[str] = []
        for key, value in worth.items():
            names = _names_of(key)
            label = SEP.join(sorted(names)) if names else "(empty)"
            items.append((names, value, label))
            for p in _ordered_names(key) if isinstance(key, str | tuple | list) else sorted(names):
                if p not in order:
                    order.append(p)
        if players is None:
            players = order
        rows = [(SEP.join(sorted(names)), value) for names, value, _ in items]
        frame = pd.DataFrame(rows, columns=["coalition", "value"], dtype=object)
        return cls._from_rows(frame, players=list(players), source=None, first_row=None)

    @classmethod
    def from_callable(cls, players: Sequence[str], f: Callable[[frozenset[str]], float]) -> TUGame:
        """Build from a function of the coalition (a frozenset of player names); f(empty) must be 0."""
        names = [str(p) for p in players]
        n = len(names)
        if n > 22:
            raise GameError(f"{n} players: from_callable calls f 2^n times (expected at most 22 players)")
        v = np.empty(1 << n, dtype=np.float64)
        for mask in range(1 << n):
            coalition = frozenset(names[i] for i in range(n) if mask >> i & 1)
            try:
                v[mask] = float(f(coalition))
            except (TypeError, ValueError) as exc:
                raise GameError(
                    f"f({SEP.join(sorted(coalition)) or '(empty)'}) is not a number: {exc}"
                ) from None
        return cls(tuple(names), v)

    @classmethod
    def from_csv(cls, path: str | Path, players: Sequence[str] | None = None) -> TUGame:
        """Read a table with columns ``coalition`` (names joined by ``+``) and ``value``.

        The file is CSV (UTF-8 or GBK/GB 18030), XLSX or XLS, read by :func:`regcoord.data.read_table`.

        One row per non-empty coalition; the empty coalition may be omitted.  Row numbers in
        errors are the file's own (the header is row 1).
        """
        p = Path(path)
        if p.exists() and not is_workbook(p.read_bytes()[:8], str(p)):
            check_text_file(p, "CSV")  # a PNG or PDF renamed .csv is said to be one
        frame, _ = read_table(p)
        frame = frame.map(lambda v: str(v).strip())
        frame = frame[(frame != "").any(axis=1)]
        return cls.from_table(frame, players=players, source=str(p))

    @classmethod
    def from_table(
        cls, frame: pd.DataFrame, players: Sequence[str] | None = None, *, source: str | None = None
    ) -> TUGame:
        """Build from a frame with columns ``coalition`` and ``value`` (see :meth:`from_csv`)."""
        lower = {str(c).strip().lower(): c for c in frame.columns}
        for col in ("coalition", "value"):
            if col not in lower:
                raise DataError(
                    f"no {col!r} column", source=source, row=1, expected="columns 'coalition' and 'value'"
                )
        sub = frame[[lower["coalition"], lower["value"]]].copy()
        sub.columns = ["coalition", "value"]
        return cls._from_rows(sub, players=players, source=source, first_row=2)

    @classmethod
    def _from_rows(
        cls,
        frame: pd.DataFrame,
        *,
        players: Sequence[str] | None,
        source: str | None,
        first_row: int | None,
    ) -> TUGame:
        def where(k: int) -> dict[str, Any]:
            return {"source": source, "row": None if first_row is None else first_row + k}

        labels = ["" if pd.isna(c) else str(c).strip() for c in frame["coalition"].tolist()]
        parsed: list[list[str]] = []
        for k, label in enumerate(labels):
            names = [s.strip() for s in label.split(SEP)] if label else []
            if any(not s for s in names):
                raise DataError(
                    f"coalition {label!r} has an empty player name",
                    column="coalition",
                    expected="player names joined by '+'",
                    **where(k),
                )
            parsed.append(names)
        if players is None:
            order: list[str] = []
            for names in parsed:
                for p in names:
                    if p not in order:
                        order.append(p)
            cls._check_inferred_players(parsed, labels, order, where)
            players = order
        names_list = [str(p) for p in players]
        index = {p: i for i, p in enumerate(names_list)}
        n = len(names_list)
        if n == 0:
            raise DataError("no players", source=source, expected="at least one non-empty coalition")
        if n > MAX_PLAYERS:
            raise DataError(f"{n} players", source=source, expected=f"at most {MAX_PLAYERS} players")
        v = np.zeros(1 << n, dtype=np.float64)
        given = np.zeros(1 << n, dtype=bool)
        first_seen: dict[int, int] = {}
        for k, (names, raw) in enumerate(zip(parsed, frame["value"].tolist(), strict=True)):
            mask = 0
            for p in names:
                if p not in index:
                    raise DataError(
                        f"unknown player {p!r} in coalition {labels[k]!r}",
                        column="coalition",
                        expected=f"one of {', '.join(names_list)}",
                        **where(k),
                    )
                bit = 1 << index[p]
                if mask & bit:
                    raise DataError(
                        f"player {p!r} appears twice in coalition {labels[k]!r}",
                        column="coalition",
                        **where(k),
                    )
                mask |= bit
            text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
            if mask == 0:
                if text:
                    try:
                        ok = float(text) == 0.0
                    except ValueError:
                        ok = False
                    if not ok:
                        raise DataError(
                            f"the empty coalition has value {text!r}",
                            column="value",
                            expected="0 or an empty cell (the empty coalition is worth 0)",
                            **where(k),
                        )
                continue
            try:
                value = float(text)
            except ValueError:
                raise DataError(
                    f"value {text!r} of coalition {labels[k]!r} is not a number",
                    column="value",
                    expected="a number",
                    **where(k),
                ) from None
            if not math.isfinite(value):
                raise DataError(
                    f"value {text!r} of coalition {labels[k]!r} is not finite",
                    column="value",
                    expected="a finite number",
                    **where(k),
                )
            if given[mask]:
                prev = first_seen[mask]
                prev_txt = "" if first_row is None else f" (first at row {first_row + prev})"
                raise DataError(
                    f"coalition {labels[k]!r} appears twice{prev_txt}",
                    column="coalition",
                    expected="one row per coalition",
                    **where(k),
                )
            given[mask] = True
            first_seen[mask] = k
            v[mask] = value
        missing = np.flatnonzero(~given[1:]) + 1
        if missing.size:
            shown = ", ".join(repr(cls._label(int(m), names_list)) for m in missing[:5])
            more = f" and {missing.size - 5} more" if missing.size > 5 else ""
            raise DataError(
                f"{missing.size} coalition(s) missing: {shown}{more}",
                source=source,
                column="coalition",
                expected=f"one row for each of the {(1 << n) - 1} non-empty coalitions of {n} players",
            )
        return cls(tuple(names_list), v)

    @staticmethod
    def _check_inferred_players(
        parsed: list[list[str]], labels: list[str], order: list[str], where: Any
    ) -> None:
        """Players read from the rows must all be in the grand coalition (the longest row).

        A misspelt name would otherwise become a new player and the error would list
        "missing coalitions"; instead the row that introduces the unknown name is reported,
        with the closest name of the grand coalition.  Only when the rows do not form a
        complete game with these players, and the longest row (of at least two players)
        holds more players than there are names outside it.
        """
        import difflib

        if not parsed:
            return
        if len({frozenset(p) for p in parsed if p}) == (1 << len(order)) - 1:
            return  # complete: every coalition of the inferred players is there
        longest = max(range(len(parsed)), key=lambda k: len(parsed[k]))
        grand = set(parsed[longest])
        strangers = set(order) - grand
        if len(grand) < 2 or len(strangers) >= len(grand):
            return  # no plausible grand coalition: let the missing-coalition error speak
        for k, names in enumerate(parsed):
            for p in names:
                if p not in grand:
                    close = difflib.get_close_matches(p, sorted(grand), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise DataError(
                        f"unknown player {p!r} in coalition {labels[k]!r}: not in the largest coalition "
                        f"{labels[longest]!r}{hint}",
                        column="coalition",
                        expected=f"one of {', '.join(sorted(grand))} (or declare the players with --players)",
                        **where(k),
                    )

    # ------------------------------------------------------------------ access
    @property
    def n(self) -> int:
        """Number of players."""
        return len(self.players)

    @property
    def grand(self) -> int:
        """Mask of the grand coalition N."""
        return (1 << self.n) - 1

    def mask(self, coalition: Iterable[str] | str) -> int:
        """Bitmask of a coalition given as names or as "A+B"."""
        names = _names_of(coalition)
        index = {p: i for i, p in enumerate(self.players)}
        out = 0
        for p in names:
            if p not in index:
                raise GameError(f"unknown player {p!r} (expected one of {', '.join(self.players)})")
            out |= 1 << index[p]
        return out

    def value(self, coalition: Iterable[str] | str | int) -> float:
        """v(S) for a coalition given as names, "A+B" or a bitmask."""
        m = coalition if isinstance(coalition, int) else self.mask(coalition)
        return float(self.v[m])

    def label(self, mask: int) -> str:
        """ "A+B" for a mask ("" for the empty coalition)."""
        return self._label(mask, self.players)

    @staticmethod
    def _label(mask: int, players: Sequence[str]) -> str:
        return SEP.join(p for i, p in enumerate(players) if mask >> i & 1)

    def to_frame(self) -> pd.DataFrame:
        """The characteristic function as a table (coalition, size, value), one row per non-empty S."""
        masks = np.arange(1, 1 << self.n)
        return pd.DataFrame(
            {
                "coalition": [self.label(int(m)) for m in masks],
                "size": popcounts(self.n)[1:].astype(int),
                "value": self.v[1:],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: players and {"A+B": value} for every non-empty coalition."""
        return {
            "players": list(self.players),
            "values": {self.label(m): float(self.v[m]) for m in range(1, 1 << self.n)},
        }

    def allocation_array(self, x: Mapping[str, float] | Sequence[float] | npt.ArrayLike) -> FloatArray:
        """An allocation as an array in player order (a mapping must name every player once)."""
        if isinstance(x, Mapping):
            unknown = [k for k in x if k not in self.players]
            if unknown:
                raise GameError(
                    f"allocation names unknown player {unknown[0]!r} (expected one of {', '.join(self.players)})"
                )
            missing = [p for p in self.players if p not in x]
            if missing:
                raise GameError(f"allocation has no amount for player {missing[0]!r}")
            arr = np.array([float(x[p]) for p in self.players], dtype=np.float64)
        else:
            arr = np.asarray(x, dtype=np.float64).ravel()
            if arr.size != self.n:
                raise GameError(f"allocation has {arr.size} amounts (expected {self.n}, one per player)")
        if not np.all(np.isfinite(arr)):
            raise GameError("allocation has a non-finite amount")
        return arr

    # ------------------------------------------------------------------ properties
    def superadditivity_violation(self, tol: float = 1e-9) -> tuple[str, str, float] | None:
        """The disjoint pair (S, T) with the largest v(S) + v(T) - v(S u T) > tol, or None.

        For each T the coalitions S disjoint from it are the submasks of its complement,
        generated as one array: O(3^n) work in 2^n vectorized steps (n <= 16).
        """
        n = self.n
        if n > 16:
            raise GameError(f"{n} players: the superadditivity check is O(3^n) (expected at most 16)")
        v = self.v
        full = self.grand
        best: tuple[float, int, int] | None = None
        for t in range(1, full):
            comp = full ^ t
            subs = np.zeros(1, dtype=np.int64)
            for i in range(n):
                if comp >> i & 1:
                    subs = np.concatenate([subs, subs | (1 << i)])
            s = subs[subs > t]  # each unordered pair once (S > T as masks)
            if s.size == 0:
                continue
            gap = v[s] + v[t] - v[s | t]
            k = int(np.argmax(gap))
            if gap[k] > tol and (best is None or gap[k] > best[0]):
                best = (float(gap[k]), int(s[k]), t)
        if best is None:
            return None
        return (self.label(best[2]), self.label(best[1]), best[0])

    def is_superadditive(self, tol: float = 1e-9) -> bool:
        """v(S u T) >= v(S) + v(T) for all disjoint S, T (see :meth:`superadditivity_violation`)."""
        return self.superadditivity_violation(tol) is None

    def is_convex(self, tol: float = 1e-9) -> bool:
        """Supermodularity (Shapley 1971): v(S u i) - v(S) <= v(T u i) - v(T) for S c T not containing i.

        Equivalent to the local condition v(S u i u j) - v(S u j) >= v(S u i) - v(S) for all
        S and i != j outside S; checked with one strided view per pair (i, j): O(n^2 2^n).
        """
        n = self.n
        v = self.v
        for i in range(n):
            for j in range(i + 1, n):
                # axes of the view: (higher bits, bit j, middle bits, bit i, lower bits)
                w = v.reshape(-1, 2, 1 << (j - i - 1), 2, 1 << i)
                gain = w[:, 1, :, 1, :] - w[:, 1, :, 0, :] - w[:, 0, :, 1, :] + w[:, 0, :, 0, :]
                if gain.min() < -tol:
                    return False
        return True

    def is_essential(self, tol: float = 1e-9) -> bool:
        """v(N) > sum_i v({i}): cooperation creates a surplus to share."""
        return bool(self.v[-1] - self.v[1 << np.arange(self.n)].sum() > tol)

    def singletons(self) -> FloatArray:
        """v({i}) for each player (standalone values)."""
        return self.v[1 << np.arange(self.n)].copy()

    def harsanyi_dividends(self) -> FloatArray:
        """Harsanyi (1959) dividends d(S) = sum_{T subset S} (-1)^{|S|-|T|} v(T) (fast Möbius transform).

        One in-place pass per player over the strided view v.reshape(-1, 2, 2^i):
        subtract the half without bit i from the half with it; O(n 2^n).
        """
        d = np.array(self.v, dtype=np.float64, copy=True)
        for i in range(self.n):
            w = d.reshape(-1, 2, 1 << i)
            w[:, 1, :] -= w[:, 0, :]
        return d

    def restrict(self, keep: Sequence[str]) -> TUGame:
        """The subgame on the players ``keep`` (in that order)."""
        idx = [self.players.index(p) for p in keep]
        masks = np.zeros(1 << len(idx), dtype=np.int64)
        size = 1
        for i in idx:
            masks[size : 2 * size] = masks[:size] | (1 << i)
            size <<= 1
        return TUGame(tuple(keep), self.v[masks])


def _ordered_names(key: Any) -> list[str]:
    if isinstance(key, str):
        return [s.strip() for s in key.split(SEP) if s.strip()]
    return [str(p) for p in key]


def _names_of(key: Any) -> frozenset[str]:
    if isinstance(key, str):
        return frozenset(_ordered_names(key))
    if isinstance(key, Iterable):
        return frozenset(str(p) for p in key)
    raise GameError(f"cannot read coalition {key!r} (expected a set or tuple of names, or 'A+B')")


@dataclass(frozen=True)
class Allocation(FrameHTML):
    """A payoff vector with its players kept.

    Attributes
    ----------
    players: player names, in the game's order.
    values: the amount of each player (same order).
    method: the solution concept ("shapley", "nucleolus", ...).
    trace: human-readable steps of the computation (stages, iterations, checks).
    """

    players: tuple[str, ...]
    values: tuple[float, ...]
    method: str
    trace: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "players", tuple(self.players))
        object.__setattr__(self, "values", tuple(float(x) for x in self.values))
        if len(self.players) != len(self.values):
            raise GameError(f"{len(self.values)} values for {len(self.players)} players")

    @property
    def array(self) -> FloatArray:
        """The values as a NumPy array (a copy)."""
        return np.array(self.values, dtype=np.float64)

    def __getitem__(self, player: str) -> float:
        return self.values[self.players.index(player)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "players": list(self.players),
            "values": list(self.values),
            "allocation": dict(zip(self.players, self.values, strict=True)),
            "trace": list(self.trace),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"player": list(self.players), self.method: list(self.values)})
