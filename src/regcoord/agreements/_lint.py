"""Wording lint for obligations, in Chinese and English (seed 003 §5.1.3).

Seed 003 §5.1.3 asks for "standardized, indexed, and quantified protocol languages"
and to "avoid using vague words such as 'strengthen', 'promote' and 'improve'", defining
instead the subject, standard, procedure, time limit and responsibility. The lint flags
a clause that uses a vague verb and does not carry a measurable target (an
:class:`~regcoord.agreements.Obligation` with metric and target, or a number with a unit
in the text itself).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from regcoord.agreements._model import Clause

#: vague verbs of seed 003 §5.1.3 and their common companions in Chinese policy texts
VAGUE_EN: tuple[str, ...] = (
    "strengthen",
    "promote",
    "improve",
    "enhance",
    "encourage",
    "advance",
    "deepen",
    "foster",
    "support",
    "step up",
    "endeavour",
    "endeavor",
    "strive",
)
VAGUE_ZH: tuple[str, ...] = (
    "加强",
    "推进",
    "促进",
    "完善",
    "推动",
    "提升",
    "加大",
    "深化",
    "鼓励",
    "支持",
    "努力",
    "积极",
    "强化",
)

_EN_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in VAGUE_EN) + r")(s|es|d|ed|ing)?\b", re.IGNORECASE)
_ZH_RE = re.compile("|".join(re.escape(w) for w in VAGUE_ZH))
#: a number followed by a unit-like token (%, 亿元, mg/L, km, tonnes ...) or preceded by a comparator
_QUANT_RE = re.compile(
    r"(\d+(?:\.\d+)?\s*(%|％|‰|万|亿|元|吨|公里|千米|米|个|项|家|人|天|日|月|年|类|mg/l|mg|km|t\b|tonnes?|yuan|percent|days?|months?|years?))"
    r"|((不低于|不高于|不少于|不超过|达到|at least|at most|no more than|no less than|>=|<=)\s*\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LintFinding:
    """One wording problem in one clause."""

    clause: str
    code: str
    message_en: str
    message_zh: str
    words: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "code": self.code,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "words": list(self.words),
        }


def vague_words(text: str) -> tuple[str, ...]:
    """The vague verbs found in ``text`` (English matched on word stems, case-insensitive)."""
    found = [m.group(1).lower() for m in _EN_RE.finditer(text)]
    found += [m.group(0) for m in _ZH_RE.finditer(text)]
    return tuple(dict.fromkeys(found))


def has_quantity(text: str) -> bool:
    """Whether the text itself states a measurable quantity (number + unit or comparator)."""
    return _QUANT_RE.search(text) is not None


def lint_clause(clause: Clause) -> tuple[LintFinding, ...]:
    """Findings for one clause (empty when the wording is acceptable).

    A clause is rejected when it uses a vague verb and has neither an obligation with a
    metric and target nor a quantity in its text.
    """
    words = vague_words(clause.text)
    if not words:
        return ()
    if clause.obligation is not None or has_quantity(clause.text):
        return ()
    return (
        LintFinding(
            clause=clause.number,
            code="vague_without_target",
            message_en=(
                f"clause {clause.number} uses vague wording ({', '.join(words)}) with no metric or target; "
                "state who must reach which value of which metric by when"
            ),
            message_zh=(
                f"第{clause.number}条使用了模糊用语（{'、'.join(words)}）且无量化指标和目标值；"
                "应明确责任主体、指标、目标值和期限"
            ),
            words=words,
        ),
    )


def lint(clauses: tuple[Clause, ...] | list[Clause]) -> tuple[LintFinding, ...]:
    """Lint every clause; findings in clause order."""
    out: list[LintFinding] = []
    for c in clauses:
        out.extend(lint_clause(c))
    return tuple(out)
