"""The shared checks of measure's entry points: counts of draws and permutations."""

from __future__ import annotations

import numpy as np
import pytest

from regcoord.errors import DataError
from regcoord.measure._validation import check_count
from regcoord.measure.inference import bootstrap, permutation_test


def test_check_count_accepts_whole_numbers_at_or_above_the_minimum():
    assert check_count(0, "permutations", minimum=0) == 0
    assert check_count(np.int64(7), "n", minimum=1) == 7
    assert check_count(3.0, "n", minimum=1) == 3
    assert type(check_count(3.0, "n", minimum=1)) is int


@pytest.mark.parametrize("bad", [True, 2.5, -1, 0, "x", None, float("nan"), float("inf")])
def test_check_count_refuses_everything_else(bad):
    with pytest.raises(DataError, match=r"replications is .*whole number >= 1"):
        check_count(bad, "replications", minimum=1)


def test_entry_points_use_it():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(DataError, match=r"permutations is 2\.5"):
        permutation_test(x, ["a", "a", "b", "b"], permutations=2.5)
    with pytest.raises(DataError, match="replications is 'x'"):
        bootstrap(x, replications="x")
