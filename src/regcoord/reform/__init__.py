"""Reform simulation: change a rule, see every region and the national disparity move.

A :class:`Reform` (flat dated overrides ``{"RULE_SET.PARAM": {DATE: VALUE}}`` read from YAML or
JSON, plus replaced formulas registered by name) is applied to a copy of the
:class:`RuleSystem`; :func:`run_reform` computes baseline and reform for every scheme of the
registry (:func:`register_scheme`) that the data supports, exactly to the fen, with
winners, losers, disparity before and after (via :mod:`regcoord.measure`) and a trace of
which override changed which number.  :func:`sweep` evaluates thousands of reforms in one
vectorised pass and returns the (budget, disparity) frontier.

>>> import pandas as pd
>>> data = pd.DataFrame({"region": ["A", "B"], "standard_expenditure": [500, 300],
...                      "standard_revenue": [100, 200], "coefficient": [0.5, 0.5]})
>>> reform = parse_reform({"china_balanced_transfer.coefficient": {"2026-01-01": 0.9}})
>>> run = run_reform(data, reform, date="2026-06-30", schemes_=["china"])
>>> [str(v) for v in run["china"].reform]   # 400 x 0.9, 100 x 0.9
['360.00', '90.00']
"""

from regcoord.reform._data import ReformData, china_plates
from regcoord.reform._examples import ILLUSTRATIVE_NOTE, illustrative_provinces, mark_illustrative
from regcoord.reform._measures import INDICES, Disparity
from regcoord.reform._reform import (
    Formula,
    Override,
    Reform,
    RuleSystem,
    formula,
    load_reform,
    parse_reform,
    register_formula,
    registered_formulas,
)
from regcoord.reform._run import ReformRun, SchemeRun, TraceEntry, compute_amounts, run_reform, set_overrides
from regcoord.reform._schemes import Scheme, get_scheme, register_scheme, schemes
from regcoord.reform._sweep import SweepResult, grid_values, pareto_frontier, parse_grid, random_values, sweep

__all__ = [
    "ILLUSTRATIVE_NOTE",
    "INDICES",
    "Disparity",
    "Formula",
    "Override",
    "Reform",
    "ReformData",
    "ReformRun",
    "RuleSystem",
    "Scheme",
    "SchemeRun",
    "SweepResult",
    "TraceEntry",
    "china_plates",
    "compute_amounts",
    "formula",
    "get_scheme",
    "grid_values",
    "illustrative_provinces",
    "load_reform",
    "mark_illustrative",
    "pareto_frontier",
    "parse_grid",
    "parse_reform",
    "random_values",
    "register_formula",
    "register_scheme",
    "registered_formulas",
    "run_reform",
    "schemes",
    "set_overrides",
    "sweep",
]
