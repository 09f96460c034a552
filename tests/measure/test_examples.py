"""The worked examples in the docstrings of the clubs and inequality-family modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "regcoord.measure.clubs",
        "regcoord.measure.entropy",
        "regcoord.measure.polarization",
        "regcoord.measure.sources",
    ],
)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
