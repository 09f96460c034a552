"""Automatic compliance review of a filed instrument (seed 003 §5.1.2, issue 4 §4).

Seed 003 §5.1.2 requires every inter-regional soft-law agreement to be filed with the
superior body for a compliance review "to ensure that they do not conflict with
higher-level laws (such as the Anti-Monopoly Law)". The rules below mirror the review
standards of China's Fair Competition Review System (公平竞争审查制度, State Council
国发〔2016〕34号; Fair Competition Review Regulations 2024): clauses that restrict
market access or exit, protect local firms, or discriminate in procurement are flagged.
They are keyword screens that *produce findings for a human reviewer*; the reviewer
decides. A missing breach term or missing KPI is flagged because seed 003 §5.2.1 and
§5.2.4 require both in every important agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from regcoord.agreements._lint import lint
from regcoord.agreements._model import Instrument


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One review finding: which rule, which clause, how severe, and why."""

    rule: str
    severity: Severity
    clause: str | None
    message_en: str
    message_zh: str
    matched: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "clause": self.clause,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "matched": list(self.matched),
        }


#: keyword screens per fair-competition rule (Chinese and English)
FAIR_COMPETITION_RULES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "local_protection": (
        "local protection (favouring local firms or products)",
        "地方保护（限定本地企业或产品）",
        (
            "本地企业优先",
            "限定使用本地",
            "仅限本地",
            "只能购买本地",
            "外地产品",
            "外地商品",
            "地方保护",
            "local firms only",
            "local products only",
            "only local",
            "local enterprises first",
            "non-local goods",
        ),
    ),
    "market_access": (
        "market-access or exit restriction",
        "市场准入或退出限制",
        (
            "不得进入本地市场",
            "限制外地企业",
            "设置准入壁垒",
            "禁止外地",
            "排斥外地",
            "限制迁出",
            "限制企业迁移",
            "bar entry",
            "restrict entry",
            "prohibit non-local",
            "restrict relocation",
            "market access restricted",
        ),
    ),
    "discriminatory_procurement": (
        "discriminatory procurement or bidding",
        "歧视性采购或招投标",
        (
            "招标限定",
            "指定供应商",
            "限定投标人",
            "本地注册企业方可投标",
            "排斥外地投标",
            "designated supplier",
            "only locally registered bidders",
            "exclude non-local bidders",
            "restrict bidders",
        ),
    ),
}


def review(instrument: Instrument) -> tuple[Finding, ...]:
    """Findings of the automatic review; blocking findings prevent approval.

    Rules: the three fair-competition screens (blocking), a missing KPI in the whole
    instrument (blocking), an obligation without breach terms (blocking; a two-way agreed
    compensation, Xin'an type, states the consequence of either outcome and passes), and the wording
    lint (blocking; seed 003 §5.1.3).
    """
    out: list[Finding] = []
    for c in instrument.clauses:
        low = c.text.lower()
        for rule, (en, zh, words) in FAIR_COMPETITION_RULES.items():
            hit = tuple(w for w in words if w.lower() in low)
            if hit:
                out.append(
                    Finding(
                        rule=f"fair_competition.{rule}",
                        severity=Severity.BLOCKING,
                        clause=c.number,
                        message_en=f"clause {c.number}: possible {en}: {', '.join(hit)}",
                        message_zh=f"第{c.number}条可能构成{zh}：{'、'.join(hit)}",
                        matched=hit,
                    )
                )
        two_way = c.compensation is not None and c.compensation.otherwise_fen > 0
        if c.obligation is not None and (c.breach is None or c.breach.is_empty) and not two_way:
            out.append(
                Finding(
                    rule="missing_breach_terms",
                    severity=Severity.BLOCKING,
                    clause=c.number,
                    message_en=f"clause {c.number}: obligation without breach terms",
                    message_zh=f"第{c.number}条设定了义务但未规定违约责任",
                )
            )
    if not instrument.obligations:
        out.append(
            Finding(
                rule="missing_kpi",
                severity=Severity.BLOCKING,
                clause=None,
                message_en="the instrument has no quantified obligation (KPI)",
                message_zh="文本没有量化考核指标（KPI）",
            )
        )
    for lf in lint(instrument.clauses):
        out.append(
            Finding(
                rule="wording." + lf.code,
                severity=Severity.BLOCKING,
                clause=lf.clause,
                message_en=lf.message_en,
                message_zh=lf.message_zh,
                matched=lf.words,
            )
        )
    return tuple(out)


def blocking(findings: tuple[Finding, ...]) -> int:
    """Number of blocking findings."""
    return sum(1 for f in findings if f.severity is Severity.BLOCKING)
