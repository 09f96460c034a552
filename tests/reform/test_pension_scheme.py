"""The central pension adjustment fund as a reform scheme (issues 11 and 16).

Hand-worked three-province year (the same figures as tests/public_services): wage base
ratio 0.9, rate 3% in 2019 -> 3.5% by rule, reform 4%.

    province  wage     insured  retirees   contribution at r      allocation share
    A         100,000  1,000    500        90,000,000 r           500/1,000
    B          80,000  2,000    300       144,000,000 r           300/1,000
    C          60,000  1,000    200        54,000,000 r           200/1,000
    fund = 288,000,000 r
    net_A = 0.5 * 288e6 r - 90e6 r = 54e6 r;  net_B = 0.3 * 288e6 r - 144e6 r = -57.6e6 r
    net_C = 0.2 * 288e6 r - 54e6 r = 3.6e6 r  (sum 0)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest

from regcoord.errors import DataError
from regcoord.reform import ReformData, get_scheme, run_reform, set_overrides

FRAME = pd.DataFrame(
    {
        "region": ["A", "B", "C"],
        "average_wage": [100_000, 80_000, 60_000],
        "insured_workers": [1_000, 2_000, 1_000],
        "retirees": [500, 300, 200],
        "fund_balance": [10_000_000, 10_000_000, 10_000_000],
    }
)
DAY = dt.date(2019, 6, 30)


def _run(rate: str):
    sch = get_scheme("pension")
    reform = set_overrides(sch, {"rate": rate}, DAY)
    return run_reform(ReformData.from_frame(FRAME, source="hand"), reform, date=DAY, schemes_=[sch.name])[
        sch.name
    ]


def test_baseline_and_reform_by_hand():
    run = _run("0.04")
    # baseline at the 2019 rate 3.5%: 54e6 * 0.035 = 1,890,000; -57.6e6 * 0.035 = -2,016,000; 3.6e6 * 0.035 = 126,000
    assert tuple(run.baseline) == (D("1890000.00"), D("-2016000.00"), D("126000.00"))
    # reform at 4%: 2,160,000; -2,304,000; 144,000
    assert tuple(run.reform) == (D("2160000.00"), D("-2304000.00"), D("144000.00"))
    assert sum(run.baseline) == 0 and sum(run.reform) == 0  # the fund balances
    assert run.winners == ("A", "C") and run.losers == ("B",)
    assert not run.pareto_improvement


def test_rate_outside_the_declared_range_is_refused():
    with pytest.raises(DataError, match="range"):
        _run("0.2")
