"""Declared ranges of parameters and the per-region ``inputs:`` of a rule file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from regcoord.errors import RuleError
from regcoord.rules import parse_rule_file

RULE = """
name: demo
title: {en: Demo, zh: 示例}
parameters:
  rate:
    title: {en: Rate, zh: 比例}
    unit: "1"
    range: RANGE
    source: {document: Demo act, issuer: Demo parliament}
    label: V
    values:
      - {start: 2020-01-01, value: VALUE}
inputs:
  coefficient:
    title: {en: Coefficient, zh: 系数}
    unit: share
    range: {min: 0, max: 1}
    source: {document: Demo act, issuer: Demo parliament}
    label: P
"""


def _write(tmp_path: Path, value: str, rng: str = "{min: 0, max: 1}") -> Path:
    p = tmp_path / "demo.yaml"
    p.write_text(RULE.replace("RANGE", rng).replace("VALUE", value), encoding="utf-8")
    return p


def test_range_and_inputs_are_read(tmp_path: Path) -> None:
    rs = parse_rule_file(_write(tmp_path, "0.63"))
    assert rs.range("rate") == (Decimal(0), Decimal(1))
    spec = rs.inputs["coefficient"]
    assert (spec.minimum, spec.maximum, spec.label, spec.verified) == (Decimal(0), Decimal(1), "P", False)
    with pytest.raises(RuleError, match="no parameter or input 'nope'"):
        rs.range("nope")


@pytest.mark.parametrize(
    ("value", "rng", "message"),
    [
        ("1.5", "{min: 0, max: 1}", r"value 1.5 is outside the declared range \[0, 1\]"),
        ("-1", "{min: 0}", r"outside the declared range \[0, inf\]"),
        ("0.5", "{min: 2, max: 1}", "range min 2 is above max 1"),
        ("0.5", "{low: 0}", "must be a mapping with 'min' and/or 'max'"),
        ("0.5", "{min: zero}", "range min must be a number"),
    ],
)
def test_bad_values_and_ranges_are_rule_errors(tmp_path: Path, value: str, rng: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rule_file(_write(tmp_path, value, rng))
