"""Shared fixtures."""

from __future__ import annotations

import warnings

import pytest

warnings.filterwarnings("ignore", category=FutureWarning)


@pytest.fixture(scope="session")
def china_panel():
    from regcoord.data import load

    return load("china")


@pytest.fixture(scope="session")
def mexico_panel():
    from regcoord.data import load

    return load("mexico")


@pytest.fixture(scope="session")
def us_panel():
    from regcoord.data import load

    return load("us_income")
