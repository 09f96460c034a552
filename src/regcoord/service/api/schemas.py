"""Request bodies (pydantic). Responses are the JSON of the use cases' ``*_out`` functions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from regcoord.service.validation import MAX_FEN, Day, Num, NumberText, When


def _no_nul(value: Any, where: str = "body") -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where}: text contains a NUL character")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k, where)
            _no_nul(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_nul(v, f"{where}.{i}")


class _In(BaseModel):
    """Base of request bodies: unknown fields and NUL characters (PostgreSQL refuses them) are 422."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _reject_nul(cls, data: Any) -> Any:
        _no_nul(data)
        return data


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class UserIn(_In):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=10, max_length=200)
    role: Literal["admin", "reviewer", "officer", "participant", "public"]
    region_code: str | None = Field(default=None, max_length=12)
    actor_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class ActorIn(_In):
    name: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(default="", max_length=200)
    kind: Literal["central", "local", "enterprise", "resident", "ngo", "evaluator"]
    region_code: str = Field(min_length=1, max_length=12)


class DamagesIn(_In):
    fixed_fen: int = Field(default=0, ge=0, le=MAX_FEN)
    per_unit_fen: int = Field(default=0, ge=0, le=MAX_FEN)
    cap_fen: int | None = Field(default=None, ge=0, le=MAX_FEN)


class BreachIn(_In):
    damages: DamagesIn | None = None
    reputation_notice: bool = False
    loss_of_priority: bool = False
    credit_penalty: int = Field(default=0, ge=0, le=1000)
    force_majeure_exempt: bool = True
    beneficiary: str | None = Field(default=None, max_length=12)


class ObligationIn(_In):
    obligor: str = Field(min_length=1, max_length=12)
    metric: str = Field(min_length=1, max_length=200)
    target: NumberText = Field(description="decimal number as text")
    unit: str = Field(min_length=1, max_length=40)
    deadline: Day
    evidence: str = Field(min_length=1, max_length=500)
    comparator: Literal[">=", "<=", "=="] = ">="
    period_months: Literal[1, 3, 6, 12] = 12
    first_period_start: Day | None = Field(
        default=None, description="first day of the first reporting period (default: the effective date)"
    )
    periods: int | None = Field(default=None, ge=1, le=1200, description="term: number of reporting periods")
    report_within_days: int | None = Field(
        default=None, ge=0, le=3660, description="days after a period's end by which its report is due"
    )


class CompensationIn(_In):
    when: Literal["met", "not_met"]
    payer: str = Field(min_length=1, max_length=12)
    payee: str = Field(min_length=1, max_length=12)
    amount_fen: int = Field(gt=0, le=MAX_FEN)
    source: str = Field(default="", max_length=500)
    otherwise_fen: int = Field(
        default=0, ge=0, le=10**15, description="agreed payment the other way (payee to payer) otherwise"
    )
    due_days: int | None = Field(default=None, ge=0, le=3660, description="days after the period end")


class AssessmentIn(_In):
    engine: Literal["xinan_p_index"]
    weights: dict[str, Num] = Field(description="k_i per indicator, e.g. {'CODMn': '0.25'}")
    baselines: dict[str, Num] = Field(description="C_i0 per indicator (mg/L)")
    k0: Num
    source: str = Field(default="", max_length=500)


class ClauseIn(_In):
    number: str = Field(min_length=1, max_length=20)
    text: str = Field(min_length=1, max_length=10_000)
    obligation: ObligationIn | None = None
    breach: BreachIn | None = None
    compensation: CompensationIn | None = None
    assessment: AssessmentIn | None = None


class InstrumentIn(_In):
    kind: Literal["agreement", "plan", "pairing"]
    title: str = Field(min_length=1, max_length=300)
    parties: list[str] = Field(min_length=1, max_length=40)
    clauses: list[ClauseIn] = Field(default_factory=list, max_length=500)
    template: str = Field(default="", max_length=60)
    summary: str = Field(default="", max_length=10_000)
    effective_from: Day | None = None
    expires_on: Day | None = None
    core_years: int = Field(default=3, ge=1, le=20)
    adjustment_years: int = Field(default=2, ge=0, le=20)


class FromTemplateIn(_In):
    template: Literal[
        "eco_compensation_water_quality", "relocated_enterprise_tax_sharing", "energy_supply_price_linkage"
    ]
    params: dict[str, str | int | float]
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str = Field(default="", max_length=10_000)


class InstrumentPatch(_In):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=10_000)
    effective_from: Day | None = None
    expires_on: Day | None = None


class ReasonsIn(_In):
    reasons: str = Field(min_length=1, max_length=10_000)


class DecisionIn(_In):
    approve: bool
    reasons: str = Field(default="", max_length=10_000)


class ReviseIn(_In):
    clauses: list[ClauseIn] = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=300)


class ConsultationIn(_In):
    closes_at: When


class SubmissionIn(_In):
    text: str = Field(min_length=1, max_length=10_000)
    clause_number: str | None = Field(default=None, max_length=20)


class AnswerIn(_In):
    text: str = Field(min_length=1, max_length=10_000)


class NegotiationIn(_In):
    values: dict[str, str | int | float] = Field(
        description='worth of every coalition: {"33": 1, "33+34": 5}'
    )


class ProposalIn(_In):
    allocation: dict[str, str | int | float]


class KPIReportIn(_In):
    period_start: Day
    period_end: Day
    value: NumberText | None = Field(default=None, description="decimal number as text")
    evidence: str = Field(min_length=1, max_length=2000)
    force_majeure: bool = False
    measurements: dict[str, Num] | None = Field(
        default=None, description="for a clause with an assessment engine: {indicator: concentration}"
    )


class KPIAmendIn(_In):
    """A correction of a filed report: the same period, a new value (or measurements) and why."""

    value: str | None = Field(default=None, min_length=1, max_length=40, description="decimal number as text")
    evidence: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000, description="why the earlier report is corrected")
    force_majeure: bool = False
    measurements: dict[str, str | int | float] | None = Field(
        default=None, description="for a clause with an assessment engine: {indicator: concentration}"
    )


class DisputeIn(_In):
    subject: str = Field(min_length=1, max_length=10_000)
    parties: list[str] | None = Field(default=None, max_length=40)


class DisputeDecisionIn(_In):
    decision: str = Field(min_length=1, max_length=10_000)
    effect: Literal["dismiss", "uphold", "waive_payment", "adjust_payment", "order_revision"] = Field(
        default="dismiss", description="what the decision does, applied in its transaction"
    )
    payment_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    amount_fen: int | None = Field(
        default=None, gt=0, le=10**17, description="adjusted amount (adjust_payment)"
    )
    revision_months: int = Field(default=6, ge=1, le=60)


class EvaluationIn(_In):
    summary: str = Field(min_length=1, max_length=10_000)
    revision_required: bool
    reasons: str = Field(default="", max_length=10_000)
    fund_use: NumberText | None = None
    satisfaction: NumberText | None = None
    revision_months: int = Field(default=6, ge=1, le=60)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="python")


# -- responses (documented in OpenAPI; schemathesis checks the service against them) -----------
class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyOut(_Out):
    region: str
    signed: bool
    signed_at: str | None


class ClauseOut(_Out):
    id: int
    number: str
    text: str
    obligation: dict[str, Any] | None
    breach: dict[str, Any] | None
    compensation: dict[str, Any] | None
    assessment: dict[str, Any] | None


class InstrumentOut(_Out):
    id: int
    kind: Literal["agreement", "plan", "pairing"]
    title: str
    template: str
    state: str
    state_zh: str
    proposer_region: str
    summary: str
    effective_from: str | None
    expires_on: str | None
    core_years: int
    adjustment_years: int
    revision_deadline: str | None
    version: int
    parties: list[PartyOut]
    clauses: list[ClauseOut]
    next_actions: list[str]


class ReportOut(_Out):
    id: int
    clause_id: int
    period_start: str
    period_end: str
    value: str
    evidence: str
    force_majeure: bool
    reported_at: str
    outcome: Literal["met", "not_met", "in_progress", "exempt"]
    shortfall: str
    measurements: dict[str, Any] | None
    revision: int
    supersedes_id: int | None
    superseded: bool
    amendment_reason: str


class BreachOut(_Out):
    id: int
    instrument_id: int
    kpi_report_id: int | None
    kind: Literal["target_missed", "report_missing", "payment_late"]
    payment_id: int | None
    clause: str
    obligor: str
    period_end: str
    damages_fen: int
    sanctions: list[dict[str, Any]]
    status: Literal["recorded", "withdrawn", "waived"]


class CreditEventOut(_Out):
    id: int
    delta: int
    breaches: int
    reason: str
    ref: str
    at: str


class CreditRecordOut(_Out):
    subject: str
    score: int
    n_events: int
    breaches: int


class CreditOut(CreditRecordOut):
    events: list[CreditEventOut]


class DisputeOut(_Out):
    id: int
    instrument_id: int
    raised_by_region: str
    parties: list[str]
    routed_to: str
    subject: str
    state: Literal["open", "decided"]
    decision: str | None
    created_at: str
    decided_at: str | None
    effect: str | None
    payment_id: int | None


class PaymentLineOut(_Out):
    """A payment without its computation trace (the full payment is :class:`PaymentOut`)."""

    id: int
    instrument_id: int
    kind: Literal["compensation", "liquidated_damages"]
    payer: str
    payee: str
    amount_fen: int
    period_end: str


class PaymentOut(PaymentLineOut):
    """A payment of the ledger with its status and computation trace."""

    amount_yuan: str
    status: Literal["due", "paid", "void", "waived"]
    trace: dict[str, Any]
    period_start: str | None
    due_on: str | None


class PaymentsDueOut(_Out):
    """How many payments are due and the oldest few (all of them: ``GET /api/payments?status=due``)."""

    count: int
    first: list[PaymentLineOut]
    #: more than ``count`` (= queries.COUNT_CAP) payments are due
    count_capped: bool = False


class DashboardInstrumentOut(_Out):
    id: int
    title: str
    state: str
    kind: str


class DashboardOut(_Out):
    region: str | None
    on: str
    instruments_by_state: dict[str, int]
    instruments: list[DashboardInstrumentOut]
    open_obligations: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    payments_due: PaymentsDueOut
    recent_breaches: list[BreachOut]
    credit: CreditRecordOut | None = None  # only for a region
    indicators: dict[str, Any]
    #: how many instruments, open obligations and alerts (by kind) there are in all
    totals: dict[str, Any]
    #: cursors (``after=``) of the second page of the instruments and alerts lists
    next: dict[str, int | None]
