"""Reform cases in YAML (OpenFisca style): each case's data, reform and expected outputs per region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from regcoord.reform import parse_reform, run_reform

_CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    out = []
    for path in sorted(_CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_reform_case(case: dict[str, Any]) -> None:
    data = pd.DataFrame(case["data"])
    run = run_reform(data, parse_reform(case["reform"]), date=case["date"], schemes_=[case["scheme"]])
    got = run[case["scheme"]].to_dict()
    exp = case["expected"]
    by_region = {r["region"]: r for r in got["regions"]}
    assert set(by_region) == set(exp["regions"])
    for region, want in exp["regions"].items():
        for key, value in want.items():
            assert by_region[region][key] == value, (region, key)
    assert got["total"] == exp["total"]
    assert got["winners"] == exp["winners"]
    assert got["losers"] == exp["losers"]
    assert got["pareto_improvement"] is exp["pareto_improvement"]
