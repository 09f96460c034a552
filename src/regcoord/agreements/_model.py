"""Coordination instruments, clauses and quantified obligations (pure data).

The data model follows the closed loop of seed 003 §5 and the Open Contracting Data
Standard's milestone model: an *instrument* (agreement, regional plan or pairing
programme) holds *clauses*; a clause may carry one quantified *obligation* (obligor,
metric, target, unit, deadline, evidence) and its *breach terms* (liquidated damages,
reputation notice, loss of priority — the "flexible constraints" of seed 003 §5.2.1).
Money is integer fen; measured values and targets are :class:`decimal.Decimal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from regcoord.errors import DataError


class InstrumentKind(StrEnum):
    """Kinds of coordination instrument (issue 4 §3 and §7; seed 004 §14-16, §26)."""

    AGREEMENT = "agreement"
    PLAN = "plan"
    PAIRING = "pairing"


class ActorKind(StrEnum):
    """Kinds of stakeholder (service.md data model)."""

    CENTRAL = "central"
    LOCAL = "local"
    ENTERPRISE = "enterprise"
    RESIDENT = "resident"
    NGO = "ngo"
    EVALUATOR = "evaluator"


class Role(StrEnum):
    """Roles of a user of the coordination service (issue 4 §1)."""

    ADMIN = "admin"
    REVIEWER = "reviewer"
    OFFICER = "officer"
    PARTICIPANT = "participant"
    PUBLIC = "public"


class Comparator(StrEnum):
    """How a reported value is compared with the target."""

    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "=="


INSTRUMENT_LABELS: dict[InstrumentKind, tuple[str, str]] = {
    InstrumentKind.AGREEMENT: ("Agreement", "协议"),
    InstrumentKind.PLAN: ("Regional plan", "区域规划"),
    InstrumentKind.PAIRING: ("Pairing-support programme", "对口支援/协作项目"),
}


def to_decimal(value: object, *, field_name: str) -> Decimal:
    """Parse a number exactly (strings, ints, Decimals; floats through their repr)."""
    if isinstance(value, bool):
        raise DataError(f"{field_name}: a boolean is not a number", column=field_name, expected="a number")
    try:
        d = Decimal(str(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise DataError(
            f"{field_name}: {value!r} is not a number", column=field_name, expected="a number"
        ) from None
    if not d.is_finite():
        raise DataError(
            f"{field_name}: {value!r} is not finite", column=field_name, expected="a finite number"
        )
    return d


def round_fen(amount: Decimal) -> int:
    """Round an amount of fen to an integer with ROUND_HALF_EVEN (the rule of :mod:`regcoord.rules`)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class DamagesFormula:
    """Liquidated damages for a missed obligation, in integer fen.

    ``damages = min(cap_fen, fixed_fen + per_unit_fen * shortfall)`` where
    ``shortfall = |target - value|`` measured in the obligation's unit (0 when met),
    rounded half-even to whole fen. ``cap_fen=None`` means no cap. Form of a fixed sum plus
    a rate on the shortfall, with a cap, as in Accord Project's late-delivery-and-penalty
    template (penalty percentage per period, capped).
    """

    fixed_fen: int = 0
    per_unit_fen: int = 0
    cap_fen: int | None = None

    def __post_init__(self) -> None:
        for name in ("fixed_fen", "per_unit_fen"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise DataError(f"{name} must be a non-negative integer of fen", column=name, expected=">= 0")
        if self.cap_fen is not None and (not isinstance(self.cap_fen, int) or self.cap_fen < 0):
            raise DataError("cap_fen must be a non-negative integer of fen or null", column="cap_fen")

    def amount(self, shortfall: Decimal) -> int:
        """Damages in fen for a given non-negative shortfall."""
        if shortfall < 0:
            raise DataError("shortfall must be >= 0", column="shortfall", expected=">= 0")
        if shortfall == 0:
            return 0
        raw = round_fen(Decimal(self.fixed_fen) + Decimal(self.per_unit_fen) * shortfall)
        return raw if self.cap_fen is None else min(raw, self.cap_fen)

    def to_dict(self) -> dict[str, Any]:
        return {"fixed_fen": self.fixed_fen, "per_unit_fen": self.per_unit_fen, "cap_fen": self.cap_fen}


@dataclass(frozen=True)
class BreachTerms:
    """Consequences of a breach (seed 003 §5.2.1): damages, reputation notice, priority loss.

    ``beneficiary`` receives the damages (default: the other party when there is one).
    ``credit_penalty`` is the number of credit points the breaching party loses, as the
    agreement states it (the parties agree on it; regcoord does not invent a scale).
    """

    damages: DamagesFormula | None = None
    reputation_notice: bool = False
    loss_of_priority: bool = False
    credit_penalty: int = 0
    force_majeure_exempt: bool = True
    beneficiary: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.credit_penalty, int) or self.credit_penalty < 0:
            raise DataError("credit_penalty must be a non-negative integer", column="credit_penalty")

    @property
    def is_empty(self) -> bool:
        """True when no consequence at all is stated."""
        return (
            (self.damages is None or (self.damages.fixed_fen == 0 and self.damages.per_unit_fen == 0))
            and not self.reputation_notice
            and not self.loss_of_priority
            and self.credit_penalty == 0
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "damages": None if self.damages is None else self.damages.to_dict(),
            "reputation_notice": self.reputation_notice,
            "loss_of_priority": self.loss_of_priority,
            "credit_penalty": self.credit_penalty,
            "force_majeure_exempt": self.force_majeure_exempt,
            "beneficiary": self.beneficiary,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BreachTerms:
        dm = d.get("damages")
        return cls(
            damages=None if dm is None else DamagesFormula(**dm),
            reputation_notice=bool(d.get("reputation_notice", False)),
            loss_of_priority=bool(d.get("loss_of_priority", False)),
            credit_penalty=int(d.get("credit_penalty", 0)),
            force_majeure_exempt=bool(d.get("force_majeure_exempt", True)),
            beneficiary=d.get("beneficiary"),
        )


@dataclass(frozen=True)
class Obligation:
    """A quantified obligation: who must reach which value of which metric, by when.

    ``target`` is compared with a reported value by ``comparator``; ``period_months`` is
    the reporting period (12 = yearly). ``evidence`` says what proves the value (e.g. the
    monitoring station's report). The reporting schedule is ``first_period_start`` (the
    first day of the first period; default: the instrument's effective date), the period
    length ``period_months`` and the term ``periods`` (number of periods; default: up to
    the instrument's expiry) — see :func:`regcoord.agreements.schedule_for`.
    """

    obligor: str
    metric: str
    target: Decimal
    unit: str
    deadline: date
    evidence: str
    comparator: Comparator = Comparator.AT_LEAST
    period_months: int = 12
    first_period_start: date | None = None
    periods: int | None = None
    #: days after a period's end by which its report is due (a missing report is then a breach)
    report_within_days: int | None = None

    def __post_init__(self) -> None:
        for name in ("obligor", "metric", "unit", "evidence"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise DataError(f"obligation {name} is empty", column=name, expected="a non-empty text")
        object.__setattr__(self, "target", to_decimal(self.target, field_name="target"))
        object.__setattr__(self, "comparator", Comparator(self.comparator))
        if not isinstance(self.deadline, date):
            raise DataError("obligation deadline must be a date", column="deadline", expected="YYYY-MM-DD")
        if self.period_months not in (1, 3, 6, 12):
            raise DataError(
                f"period_months {self.period_months} not supported",
                column="period_months",
                expected="1, 3, 6 or 12",
            )
        if self.first_period_start is not None and not isinstance(self.first_period_start, date):
            raise DataError(
                "first_period_start must be a date", column="first_period_start", expected="YYYY-MM-DD"
            )
        if self.report_within_days is not None and (
            not isinstance(self.report_within_days, int)
            or isinstance(self.report_within_days, bool)
            or not 0 <= self.report_within_days <= 3660
        ):
            raise DataError(
                "report_within_days out of range", column="report_within_days", expected="0 to 3660 days"
            )
        if self.periods is not None and (
            not isinstance(self.periods, int)
            or isinstance(self.periods, bool)
            or not 1 <= self.periods <= 1200
        ):
            raise DataError(
                f"periods {self.periods!r} is not a number of periods", column="periods", expected="1 to 1200"
            )

    def is_met(self, value: Decimal) -> bool:
        """Whether a reported value meets the target."""
        if self.comparator is Comparator.AT_LEAST:
            return value >= self.target
        if self.comparator is Comparator.AT_MOST:
            return value <= self.target
        return value == self.target

    def shortfall(self, value: Decimal) -> Decimal:
        """How far the value misses the target, in the obligation's unit (0 when met)."""
        return Decimal(0) if self.is_met(value) else abs(self.target - value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "obligor": self.obligor,
            "metric": self.metric,
            "target": str(self.target),
            "unit": self.unit,
            "deadline": self.deadline.isoformat(),
            "evidence": self.evidence,
            "comparator": self.comparator.value,
            "period_months": self.period_months,
            **(
                {}
                if self.first_period_start is None
                else {"first_period_start": self.first_period_start.isoformat()}
            ),
            **({} if self.periods is None else {"periods": self.periods}),
            **({} if self.report_within_days is None else {"report_within_days": self.report_within_days}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Obligation:
        dl = d.get("deadline")
        fp = d.get("first_period_start")
        n = d.get("periods")
        return cls(
            obligor=d["obligor"],
            metric=d["metric"],
            target=to_decimal(d["target"], field_name="target"),
            unit=d["unit"],
            deadline=date.fromisoformat(dl) if isinstance(dl, str) else dl,  # type: ignore[arg-type]
            evidence=d["evidence"],
            comparator=Comparator(d.get("comparator", ">=")),
            period_months=int(d.get("period_months", 12)),
            first_period_start=date.fromisoformat(fp) if isinstance(fp, str) else fp,
            periods=None if n is None else int(n),
            report_within_days=d.get("report_within_days"),
        )


@dataclass(frozen=True)
class CompensationTerm:
    """A payment a clause orders when an obligation's period is judged.

    ``when`` is ``"met"`` or ``"not_met"``: e.g. the Xin'an River agreement, round 1 —
    if the water quality at Jiekou meets the standard, Zhejiang pays Anhui 100 million
    yuan. ``otherwise_fen`` is the agreed payment the other way (payee to payer) when the
    period is judged the other way (Xin'an: P > 1 makes Anhui pay Zhejiang 100 million):
    it is compensation the parties agreed on, not a breach (issue 8). ``due_days`` is the
    number of days after the period's end by which the payment is due, when the clause
    states it.
    """

    when: str
    payer: str
    payee: str
    amount_fen: int
    source: str = ""
    otherwise_fen: int = 0
    due_days: int | None = None

    def __post_init__(self) -> None:
        if self.when not in ("met", "not_met"):
            raise DataError(
                f"compensation 'when' is {self.when!r}", column="when", expected="'met' or 'not_met'"
            )
        if not isinstance(self.amount_fen, int) or isinstance(self.amount_fen, bool) or self.amount_fen <= 0:
            raise DataError(
                "compensation amount_fen must be a positive integer", column="amount_fen", expected="> 0"
            )
        if self.payer == self.payee:
            raise DataError(
                "payer and payee are the same region", column="payee", expected="two different regions"
            )
        if (
            not isinstance(self.otherwise_fen, int)
            or isinstance(self.otherwise_fen, bool)
            or self.otherwise_fen < 0
        ):
            raise DataError(
                "compensation otherwise_fen must be a non-negative integer",
                column="otherwise_fen",
                expected=">= 0",
            )
        if self.due_days is not None and (
            not isinstance(self.due_days, int)
            or isinstance(self.due_days, bool)
            or not 0 <= self.due_days <= 3660
        ):
            raise DataError(
                "compensation due_days out of range", column="due_days", expected="0 to 3660 days"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "when": self.when,
            "payer": self.payer,
            "payee": self.payee,
            "amount_fen": self.amount_fen,
            "source": self.source,
            **({"otherwise_fen": self.otherwise_fen} if self.otherwise_fen else {}),
            **({} if self.due_days is None else {"due_days": self.due_days}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CompensationTerm:
        return cls(
            when=d["when"],
            payer=d["payer"],
            payee=d["payee"],
            amount_fen=d["amount_fen"],
            source=d.get("source", ""),
            otherwise_fen=d.get("otherwise_fen", 0),
            due_days=d.get("due_days"),
        )


@dataclass(frozen=True)
class Clause:
    """One clause of an instrument: its number, text, and optionally an obligation."""

    number: str
    text: str
    obligation: Obligation | None = None
    breach: BreachTerms | None = None
    compensation: CompensationTerm | None = None

    def __post_init__(self) -> None:
        if self.compensation is not None and self.obligation is None:
            raise DataError(
                f"clause {self.number}: a compensation term needs an obligation to judge",
                column="compensation",
                expected="an obligation on the same clause",
            )
        if not self.number.strip():
            raise DataError("clause number is empty", column="number", expected="e.g. '3.1'")
        if not self.text.strip():
            raise DataError(
                f"clause {self.number}: text is empty", column="text", expected="the clause wording"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "obligation": None if self.obligation is None else self.obligation.to_dict(),
            "breach": None if self.breach is None else self.breach.to_dict(),
            "compensation": None if self.compensation is None else self.compensation.to_dict(),
        }


@dataclass(frozen=True)
class Instrument:
    """A coordination instrument: kind, title, parties (region codes) and clauses."""

    kind: InstrumentKind
    title: str
    parties: tuple[str, ...]
    clauses: tuple[Clause, ...] = ()
    effective_from: date | None = None
    expires_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", InstrumentKind(self.kind))
        if not self.title.strip():
            raise DataError("instrument title is empty", column="title", expected="a title")
        if len(set(self.parties)) != len(self.parties):
            raise DataError("a party is listed twice", column="parties", expected="distinct region codes")
        if len(self.parties) < 1:
            raise DataError("an instrument needs at least one party", column="parties")
        numbers = [c.number for c in self.clauses]
        if len(set(numbers)) != len(numbers):
            raise DataError(
                "two clauses share a number", column="clauses", expected="distinct clause numbers"
            )

    @property
    def obligations(self) -> tuple[Obligation, ...]:
        return tuple(c.obligation for c in self.clauses if c.obligation is not None)

    def full_text(self) -> str:
        """The text of all clauses, one per paragraph, as stored in a version."""
        return "\n".join(f"{c.number} {c.text}" for c in self.clauses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "parties": list(self.parties),
            "clauses": [c.to_dict() for c in self.clauses],
            "effective_from": None if self.effective_from is None else self.effective_from.isoformat(),
            "expires_on": None if self.expires_on is None else self.expires_on.isoformat(),
        }
