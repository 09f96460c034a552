"""TUGame: construction, validation errors, and the game properties (hand-checked cases)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from regcoord.errors import DataError, RegcoordError
from regcoord.games.cooperative import GameError, TUGame, coalition_sums

GLOVE = {"L": 0, "R1": 0, "R2": 0, "L+R1": 1, "L+R2": 1, "R1+R2": 0, "L+R1+R2": 1}


def test_from_dict_bitmask_layout_and_lookup() -> None:
    g = TUGame.from_dict(GLOVE)
    assert g.players == ("L", "R1", "R2")
    # bit i = player i: mask 0b011 = {L, R1}, 0b110 = {R1, R2}
    assert g.v.tolist() == [0, 0, 0, 1, 0, 1, 0, 1]
    assert g.value("R2+L") == 1.0
    assert g.value(frozenset({"R1", "R2"})) == 0.0
    assert g.value(("L",)) == 0.0
    assert g.label(0b101) == "L+R2"
    assert not g.v.flags.writeable


def test_from_dict_accepts_frozensets_tuples_and_empty() -> None:
    worth = {frozenset(): 0.0, ("A",): 1.0, ("B",): 2.0, frozenset({"A", "B"}): 5.0}
    g = TUGame.from_dict(worth, players=["A", "B"])
    assert g.v.tolist() == [0.0, 1.0, 2.0, 5.0]


def test_from_callable_matches_from_dict() -> None:
    g1 = TUGame.from_callable(["A", "B", "C"], lambda s: float(len(s) ** 2))
    assert g1.v.tolist() == [0, 1, 1, 4, 1, 4, 4, 9]


def test_csv_roundtrip_and_row_numbers(tmp_path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("coalition,value\nA,1\nB,2\nA+B,4\n", "utf-8")
    g = TUGame.from_csv(path)
    assert g.players == ("A", "B") and g.v.tolist() == [0, 1, 2, 4]
    path.write_text("coalition,value\nA,1\nB,x\nA+B,4\n", "utf-8")
    with pytest.raises(DataError) as err:
        TUGame.from_csv(path)
    assert err.value.row == 3 and err.value.column == "value" and "'x'" in str(err.value)


@pytest.mark.parametrize(
    ("rows", "row", "words"),
    [
        ([("A", "1"), ("B", "2")], None, "missing: 'A+B'"),
        ([("A", "1"), ("B", "2"), ("A+C", "3"), ("A+B", "4")], 4, "unknown player 'C'"),
        ([("A", "1"), ("B", "2"), ("A+B", "3"), ("B+A", "4")], 5, "appears twice"),
        ([("A", "1"), ("B", "2"), ("A+B", "")], 4, "is not a number"),
        ([("", "3"), ("A", "1"), ("B", "2"), ("A+B", "4")], 2, "empty coalition"),
        ([("A+A", "1"), ("B", "2"), ("A+B", "4")], 2, "appears twice in coalition"),
    ],
)
def test_table_errors_name_row_and_coalition(rows, row, words) -> None:
    frame = pd.DataFrame(rows, columns=["coalition", "value"])
    with pytest.raises(DataError) as err:
        TUGame.from_table(frame, players=["A", "B"])
    assert words in str(err.value)
    assert err.value.row == row


def test_empty_coalition_zero_is_accepted() -> None:
    frame = pd.DataFrame([("", "0"), ("A", "1"), ("B", "2"), ("A+B", "4")], columns=["coalition", "value"])
    assert TUGame.from_table(frame).v.tolist() == [0, 1, 2, 4]


def test_constructor_validation() -> None:
    with pytest.raises(GameError, match="expected 2"):
        TUGame(("A", "B"), [0, 1, 2])
    with pytest.raises(GameError, match="empty coalition"):
        TUGame(("A",), [1, 1])
    with pytest.raises(GameError, match="twice"):
        TUGame(("A", "A"), [0, 1, 1, 2])
    with pytest.raises(GameError, match="contains"):
        TUGame(("A+B",), [0, 1])
    assert issubclass(GameError, RegcoordError)


def test_constructor_copies_writable_input() -> None:
    v = np.array([0.0, 1.0])
    g = TUGame(("A",), v)
    v[1] = 5.0
    assert g.v[1] == 1.0


def test_coalition_sums_hand_values() -> None:
    assert coalition_sums([1.0, 10.0, 100.0]).tolist() == [0, 1, 10, 11, 100, 101, 110, 111]


def test_superadditivity_reports_violating_pair() -> None:
    # v(A+B) = 1 < v(A) + v(B) = 3
    g = TUGame.from_dict({"A": 1, "B": 2, "C": 0, "A+B": 1, "A+C": 1, "B+C": 2, "A+B+C": 4})
    assert not g.is_superadditive()
    s, t, gap = g.superadditivity_violation()
    assert {s, t} == {"A", "B"} and gap == pytest.approx(2.0)
    assert TUGame.from_dict(GLOVE).is_superadditive()


def _convex_bruteforce(g: TUGame) -> bool:
    n = g.n
    for s, t in itertools.product(range(1 << n), repeat=2):
        if g.v[s | t] + g.v[s & t] < g.v[s] + g.v[t] - 1e-9:
            return False
    return True


def test_convexity_against_definition() -> None:
    rng = np.random.default_rng(3)
    weights = rng.random(5)
    convex = TUGame(tuple("ABCDE"), coalition_sums(weights) ** 1.3)
    assert convex.is_convex() and _convex_bruteforce(convex)
    concave = TUGame(tuple("ABCDE"), coalition_sums(weights) ** 0.7)
    assert not concave.is_convex() and not _convex_bruteforce(concave)
    for _ in range(20):
        v = np.round(rng.random(16) * 4)
        v[0] = 0
        g = TUGame(tuple("ABCD"), v)
        assert g.is_convex() == _convex_bruteforce(g)


def test_essential() -> None:
    assert TUGame.from_dict(GLOVE).is_essential()
    assert not TUGame(("A", "B"), [0, 1, 2, 3]).is_essential()


def test_harsanyi_dividends_hand() -> None:
    # d(A)=1, d(B)=2, d(AB)=5-1-2=2
    g = TUGame(("A", "B"), [0, 1, 2, 5])
    assert g.harsanyi_dividends().tolist() == [0, 1, 2, 2]
    rng = np.random.default_rng(0)
    v = rng.normal(size=32)
    v[0] = 0
    g = TUGame(tuple("ABCDE"), v)
    d = g.harsanyi_dividends()
    # v(S) = sum_{T subset S} d(T)
    back = np.array([sum(d[t] for t in range(32) if t & s == t) for s in range(32)])
    np.testing.assert_allclose(back, v, atol=1e-12)


def test_restrict_and_frames() -> None:
    g = TUGame.from_dict(GLOVE)
    sub = g.restrict(["R2", "L"])
    assert sub.v.tolist() == [0, 0, 0, 1]
    frame = g.to_frame()
    assert frame.shape == (7, 3) and frame.loc[frame.coalition == "L+R2", "value"].item() == 1.0
    assert g.to_dict()["values"]["L+R1+R2"] == 1.0


def test_superadditivity_against_definition() -> None:
    rng = np.random.default_rng(8)
    for _ in range(30):
        n = int(rng.integers(2, 6))
        v = np.round(rng.random(1 << n) * 3 * np.arange(1 << n) ** 0.5)
        v[0] = 0
        g = TUGame(tuple("ABCDE"[:n]), v)
        gaps = [
            v[s] + v[t] - v[s | t]
            for s in range(1, 1 << n)
            for t in range(1, 1 << n)
            if s & t == 0 and s != t
        ]
        worst = max(gaps) if gaps else 0.0
        found = g.superadditivity_violation()
        assert (found is None) == (worst <= 1e-9)
        if found is not None:
            assert found[2] == pytest.approx(worst)
            assert g.value(found[0]) + g.value(found[1]) - g.value(f"{found[0]}+{found[1]}") == pytest.approx(
                worst
            )
