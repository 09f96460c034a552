"""The dashboard's disparity and coordination indicators (usecases/indicators.py).

References: the indices written out by hand below (population-weighted formulas of
Cowell, *Measuring Inequality*, 3rd ed. 2011, ch. 3 and Shorrocks 1980 for the between-group
Theil term) on the bundled China panel, and the national mean computed independently from
the panel's GDP and population columns (GDP 100 million yuan / population 10k persons,
so GDP per capita = 10^4 * GDP / population yuan per person).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from regcoord.data import load
from regcoord.errors import NotFound
from regcoord.service.usecases import indicators as ind
from regcoord.service.usecases._context import region_tree


def _panel() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], tuple[str, ...]]:
    p = load("china")
    x = p.matrix("gdp_per_capita")
    w = p.matrix("population", years=x.years, regions=x.regions)
    g = p.matrix("gdp", years=x.years, regions=x.regions)
    return x.values, w.values, g.values, p.group_labels("plate", list(x.regions)), tuple(x.regions)


def test_national_indices_match_hand_formulas() -> None:
    x, pop, gdp, plates, _ = _panel()
    nat = ind.national_disparity()
    assert nat.years == tuple(range(2015, 2024))
    share = pop / pop.sum(axis=1, keepdims=True)
    mu = 1e4 * gdp.sum(axis=1) / pop.sum(axis=1)  # national GDP / national population
    np.testing.assert_allclose(nat.national_mean, mu, rtol=1e-9)
    r = x / mu[:, None]
    # Gini = sum_i sum_j p_i p_j |x_i - x_j| / (2 mu)
    gini = (share[:, :, None] * share[:, None, :] * np.abs(x[:, :, None] - x[:, None, :])).sum(axis=(1, 2))
    np.testing.assert_allclose(nat.gini, gini / (2 * mu), rtol=1e-9)
    np.testing.assert_allclose(nat.theil_t, (share * r * np.log(r)).sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(nat.theil_l, (share * -np.log(r)).sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(nat.williamson_cv, np.sqrt((share * (x - mu[:, None]) ** 2).sum(axis=1)) / mu)
    np.testing.assert_allclose(nat.max_min_ratio, x.max(axis=1) / x.min(axis=1), rtol=1e-9)
    # between plates (Theil T): sum_g s_g (mu_g / mu) ln(mu_g / mu), s_g the plate's population share
    labels = np.asarray(plates)
    between = np.zeros(len(mu))
    for g in sorted(set(plates)):
        cols = labels == g
        s_g = share[:, cols].sum(axis=1)
        mu_g = 1e4 * gdp[:, cols].sum(axis=1) / pop[:, cols].sum(axis=1)
        between += s_g * (mu_g / mu) * np.log(mu_g / mu)
        k = nat.plates.index(g)
        assert nat.plate_mean[k] == pytest.approx(mu_g[-1], rel=1e-9)
        assert nat.plate_population_share[k] == pytest.approx(s_g[-1], rel=1e-9)
    np.testing.assert_allclose(nat.between_plate_share, between / np.asarray(nat.theil_t), rtol=1e-9)
    assert set(nat.plates) == {"east", "central", "west", "northeast"}
    assert ind.national_disparity() is nat  # computed once per process


def test_region_position() -> None:
    x, pop, gdp, _, regions = _panel()
    tree = region_tree()
    zj = ind.region_position(tree, "33")
    assert zj is not None
    assert (zj.province, zj.name_en, zj.plate) == ("33", "Zhejiang", "east")
    j = regions.index("33")
    mu = 1e4 * gdp.sum(axis=1) / pop.sum(axis=1)
    np.testing.assert_allclose(zj.gdp_per_capita, x[:, j])
    np.testing.assert_allclose(zj.ratio_to_national, x[:, j] / mu, rtol=1e-9)
    assert all(v > 1 for v in zj.ratio_to_national)  # Zhejiang is above the national mean every year
    latest = sorted(x[-1], reverse=True)
    assert (zj.rank, zj.n) == (latest.index(x[-1, j]) + 1, 31)
    nat = ind.national_disparity()
    assert nat.regions == regions and nat.gdp_per_capita == tuple(x[-1])
    assert nat.names_en[j] == "Zhejiang" and nat.names_zh[j] == "浙江省"
    ah = ind.region_position(tree, "34")
    assert ah is not None and ah.plate == "central"
    assert ind.region_position(tree, "CN") is None  # the nation has no position against itself
    with pytest.raises(NotFound):
        ind.region_position(tree, "99")


def test_dashboard_carries_the_indicators(world: Any) -> None:
    w = world
    d = w.get("/api/dashboard?region=34").json()["indicators"]
    nat = ind.national_disparity()
    assert d["national"]["years"] == list(nat.years)
    assert d["national"]["gini"] == pytest.approx(list(nat.gini))
    assert d["region"]["province"] == "34" and d["region"]["plate"] == "central"
    assert d["region"]["name_zh"] == "安徽省"
    everyone = w.get("/api/dashboard").json()["indicators"]
    assert everyone["region"] is None and everyone["national"] == d["national"]
