"""Every published number of the domain note, with its label, as returned by the rule sets.

The cases are data (``published_values.yaml``) so that a domain expert can read and extend them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from regcoord.rules import load_rule_set

CASES = yaml.safe_load((Path(__file__).parent / "published_values.yaml").read_text(encoding="utf-8"))


def _dec(v):
    return [_dec(x) for x in v] if isinstance(v, list) else Decimal(str(v))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['rule_set']}.{c['parameter']}@{c['date']}")
def test_published_value(case):
    p = load_rule_set(case["rule_set"]).at(case["date"]).param(case["parameter"])
    value = list(p.value) if isinstance(p.value, tuple) else p.value
    assert value == _dec(case["expected"])
    assert p.label == case["label"]
    assert p.verified == (case["label"] == "V")
