"""The top-level package exports the main entry points (issue 12)."""

from __future__ import annotations

import doctest

import pytest

import regcoord


@pytest.mark.parametrize("name", sorted(regcoord._ENTRY_POINTS))
def test_entry_point_is_the_library_object(name):
    import importlib

    module = importlib.import_module(regcoord._ENTRY_POINTS[name])
    assert getattr(regcoord, name) is getattr(module, name)
    assert name in regcoord.__all__ and name in dir(regcoord)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'gnii'"):
        regcoord.gnii  # noqa: B018


def test_docstring_example_runs():
    assert doctest.testmod(regcoord, raise_on_error=False).failed == 0
