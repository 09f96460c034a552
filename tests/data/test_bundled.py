"""Bundled datasets: the real data reproduce published figures."""

from __future__ import annotations

import numpy as np
import pytest

from regcoord.regions import china


def test_seed_001_four_plate_gdp_2017_first_release(china_panel):
    # Seed 001, section 3.1 (Wang 2019/2020): 2017 GDP in hundred-million yuan from the
    # first-release vintage: central 176486.6, west 168561.6, northeast 54256.45; the
    # east is 54.14% of national GDP 827121.7 (NBS national figure, not the provincial sum).
    m = china_panel.matrix("gdp_original_release", years=[2017])
    plates = china().grouping("plate").labels(m.regions)
    sums = {p: m.values[0][np.array(plates) == p].sum() for p in ("east", "central", "west", "northeast")}
    assert round(sums["central"], 1) == 176486.6
    assert round(sums["west"], 1) == 168561.6
    assert round(sums["northeast"], 2) == 54256.45
    assert round(100 * sums["east"] / 827121.7, 2) == 54.14


def test_vintages_are_kept_apart(china_panel):
    # shared/data/README.md caveat 1: Beijing 2017 in the three vintages
    assert china_panel.wide("gdp_original_release").loc["11", 2017] == pytest.approx(28014.94)
    assert china_panel.wide("gdp_revision_2018census").loc["11", 2017] == pytest.approx(29883.0)
    assert china_panel.wide("gdp").loc["11", 2017] == pytest.approx(31325.9)
    assert china_panel.years_of("gdp_original_release") == list(range(2010, 2018))


def test_gdp_per_capita_is_derived_where_both_exist(china_panel):
    assert china_panel.years_of("gdp_per_capita") == list(range(2015, 2024))
    # hand calculation: Beijing 2017, 31325.9e8 yuan / 2194e4 persons
    assert china_panel.wide("gdp_per_capita").loc["11", 2017] == pytest.approx(31325.9e8 / 2194e4)
    assert china_panel.unit("population").startswith("10k persons")


def test_china_panel_is_complete_and_coded(china_panel):
    assert len(china_panel.regions) == 31
    china_panel.validate(positive=["gdp", "population"], complete=["gdp", "population"])
    assert set(china_panel.attributes["plate"]) == {"east", "central", "west", "northeast"}


def test_pysal_panels_load_through_the_reader(mexico_panel, us_panel):
    assert mexico_panel.years == [1940, 1950, 1960, 1970, 1980, 1990, 2000]
    assert len(mexico_panel.regions) == 32
    assert "hanson98" in mexico_panel.attributes.columns
    assert len(us_panel.regions) == 48 and us_panel.years[0] == 1929 and us_panel.years[-1] == 2009
