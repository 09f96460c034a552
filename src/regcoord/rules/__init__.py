"""Dated rule sets with their legal or published sources (OpenFisca style).

``load_rule_set(name).at(date)`` gives a frozen :class:`RuleSnapshot`; calculators in
``regcoord.compensation`` and ``regcoord.transfers`` take that snapshot and read no files.
Money helpers (:func:`round_fen`, :func:`apportion_fen`, rule ROUND_HALF_EVEN) and the
explanation :class:`Trace` live here because every calculator shares them.
"""

from regcoord.rules._model import (
    InputSpec,
    ParameterValue,
    RuleSet,
    RuleSnapshot,
    Source,
    available_rule_sets,
    load_rule_set,
    parse_rule_file,
)
from regcoord.rules._money import FEN, ROUNDING, apportion_fen, largest_remainder_round, round_fen, to_decimal
from regcoord.rules._trace import Trace, TraceBuilder, TraceStep

__all__ = [
    "FEN",
    "ROUNDING",
    "InputSpec",
    "ParameterValue",
    "RuleSet",
    "RuleSnapshot",
    "Source",
    "Trace",
    "TraceBuilder",
    "TraceStep",
    "apportion_fen",
    "available_rule_sets",
    "largest_remainder_round",
    "load_rule_set",
    "parse_rule_file",
    "round_fen",
    "to_decimal",
]
