"""Tests of the pure agreements domain (hand-worked cases and Hypothesis properties)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.agreements import (
    TRANSITIONS,
    Action,
    BreachTerms,
    Clause,
    CreditEvent,
    DamagesFormula,
    Instrument,
    InstrumentStatus,
    KPIReport,
    LifecycleContext,
    Obligation,
    Outcome,
    ParticipationRule,
    PolicyObject,
    Principal,
    Role,
    State,
    add_months,
    alerts,
    allowed_actions,
    apply,
    blocking,
    breach_from,
    can,
    credit_events_for,
    credit_record,
    credit_score,
    diff_texts,
    evaluate,
    lint,
    participation,
    review,
    revision_deadline,
    rolling_schedule,
    route_dispute,
    superiors_of,
    table_rows,
    vague_words,
)
from regcoord.errors import ConflictError, DataError
from regcoord.regions import china

D0 = date(2024, 1, 1)


def _ob(**kw: object) -> Obligation:
    base: dict[str, object] = dict(
        obligor="34",
        metric="P index",
        target=Decimal("1"),
        unit="1",
        deadline=date(2024, 12, 31),
        evidence="Jiekou monitoring section annual report",
        comparator="<=",
    )
    base.update(kw)
    return Obligation(**base)  # type: ignore[arg-type]


TERMS = BreachTerms(
    damages=DamagesFormula(fixed_fen=1_000_000, per_unit_fen=500_000, cap_fen=2_000_000),
    reputation_notice=True,
    loss_of_priority=True,
    credit_penalty=10,
)


# -- model ----------------------------------------------------------------------------------
def test_damages_formula_hand_computed() -> None:
    f = DamagesFormula(fixed_fen=1_000_000, per_unit_fen=500_000, cap_fen=2_000_000)
    assert f.amount(Decimal(0)) == 0
    # 1,000,000 + 500,000 * 0.5 = 1,250,000
    assert f.amount(Decimal("0.5")) == 1_250_000
    # 1,000,000 + 500,000 * 3 = 2,500,000 -> capped at 2,000,000
    assert f.amount(Decimal(3)) == 2_000_000
    # half-even rounding: 3 fen * 0.5 = 1.5 -> 2; 5 * 0.5 = 2.5 -> 2
    assert DamagesFormula(per_unit_fen=3).amount(Decimal("0.5")) == 2
    assert DamagesFormula(per_unit_fen=5).amount(Decimal("0.5")) == 2
    with pytest.raises(DataError):
        DamagesFormula(fixed_fen=-1)


@given(
    st.decimals(min_value=0, max_value=10**6, places=3), st.decimals(min_value=0, max_value=10**6, places=3)
)
def test_damages_monotone_and_capped(a: Decimal, b: Decimal) -> None:
    f = DamagesFormula(fixed_fen=7, per_unit_fen=13, cap_fen=10**9)
    lo, hi = sorted((a, b))
    assert f.amount(lo) <= f.amount(hi) <= 10**9


def test_obligation_validation_and_roundtrip() -> None:
    ob = _ob()
    assert Obligation.from_dict(ob.to_dict()) == ob
    with pytest.raises(DataError, match="metric"):
        _ob(metric=" ")
    with pytest.raises(DataError, match="target"):
        _ob(target="abc")
    with pytest.raises(DataError, match="period_months"):
        _ob(period_months=5)


def test_instrument_rejects_duplicate_parties_and_clauses() -> None:
    with pytest.raises(DataError, match="party"):
        Instrument("agreement", "x", ("33", "33"))  # type: ignore[arg-type]
    with pytest.raises(DataError, match="clauses"):
        Instrument("agreement", "x", ("33",), (Clause("1", "a"), Clause("1", "b")))  # type: ignore[arg-type]


# -- lifecycle ------------------------------------------------------------------------------
def test_full_lifecycle_path() -> None:
    parties = frozenset({"33", "34"})
    ctx = LifecycleContext(on=D0, parties=parties, n_clauses=3, reasons="poor KPI attainment")
    s = apply(State.DRAFT, Action.OPEN_CONSULTATION, ctx)
    s = apply(s, Action.CLOSE_CONSULTATION, ctx)
    assert s is State.NEGOTIATING
    s = apply(s, Action.SIGN, LifecycleContext(on=D0, parties=parties, signer="33"))
    assert s is State.NEGOTIATING
    with pytest.raises(ConflictError, match="34"):
        apply(s, Action.SEAL, LifecycleContext(on=D0, parties=parties, signed_by=frozenset({"33"})))
    full = LifecycleContext(on=D0, parties=parties, signed_by=parties, n_clauses=3, reasons="r")
    for a, expected in [
        (Action.SEAL, State.SIGNED),
        (Action.FILE, State.FILED),
        (Action.START_REVIEW, State.UNDER_REVIEW),
        (Action.APPROVE, State.IN_FORCE),
        (Action.EVALUATE, State.EVALUATED),
        (Action.ORDER_REVISION, State.REVISION_REQUIRED),
        (Action.REVISE, State.REVISED),
        (Action.FILE, State.FILED),
    ]:
        s = apply(s, a, full)
        assert s is expected


def test_guards_refuse() -> None:
    ctx = LifecycleContext(on=D0)
    with pytest.raises(ConflictError, match="no clause"):
        apply("draft", "open_consultation", ctx)
    with pytest.raises(ConflictError, match="2 submission"):
        apply("consultation", "close_consultation", LifecycleContext(on=D0, open_submissions=2))
    with pytest.raises(ConflictError, match="participation"):
        apply("under_review", "approve", LifecycleContext(on=D0, participation_ok=False))
    with pytest.raises(ConflictError, match="blocking"):
        apply("under_review", "approve", LifecycleContext(on=D0, blocking_findings=1))
    with pytest.raises(ConflictError, match="reasons"):
        apply("under_review", "return", ctx)
    with pytest.raises(ConflictError, match="not a party"):
        apply("negotiating", "sign", LifecycleContext(on=D0, parties=frozenset({"33"}), signer="11"))
    with pytest.raises(ConflictError, match="already signed"):
        apply(
            "negotiating",
            "sign",
            LifecycleContext(on=D0, parties=frozenset({"33"}), signed_by=frozenset({"33"}), signer="33"),
        )
    with pytest.raises(ConflictError, match="not before"):
        apply("in_force", "expire", LifecycleContext(on=D0, expires_on=date(2025, 1, 1)))
    assert (
        apply("in_force", "expire", LifecycleContext(on=date(2025, 1, 1), expires_on=date(2025, 1, 1)))
        is State.EXPIRED
    )
    # a revised text is signed again by every party before it is filed
    two = frozenset({"33", "34"})
    with pytest.raises(ConflictError, match="not yet signed"):
        apply("revised", "file", LifecycleContext(on=D0, parties=two, signed_by=frozenset({"33"})))
    assert apply("revised", "sign", LifecycleContext(on=D0, parties=two, signer="34")) is State.REVISED


@given(st.sampled_from(list(State)), st.sampled_from(list(Action)))
def test_table_is_the_only_way(state: State, action: Action) -> None:
    """A pair missing from the table is always refused; a present pair with a permissive context goes to its target."""
    ctx = LifecycleContext(
        on=date(2100, 1, 1),
        parties=frozenset({"33"}),
        signed_by=frozenset({"33"}),
        signer=None,
        n_clauses=1,
        reasons="r",
        expires_on=D0,
    )
    row = TRANSITIONS.get((state, action))
    if row is None:
        with pytest.raises(ConflictError, match="not possible"):
            apply(state, action, ctx)
    elif action is not Action.SIGN:
        assert apply(state, action, ctx) is row.target


def test_terminated_is_final_and_table_export() -> None:
    assert allowed_actions(State.TERMINATED) == ()
    rows = table_rows()
    assert len(rows) == len(TRANSITIONS)
    assert {"state": "under_review", "action": "approve", "target": "in_force"}.items() <= rows[
        [r["action"] for r in rows].index("approve")
    ].items()


# -- lint -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, bad",
    [
        ("双方加强信息共享。", True),
        ("推进产业协作，完善合作机制。", True),
        ("The parties shall strengthen cooperation on data.", True),
        ("Both sides will promote and improve information sharing.", True),
        ("双方加强水质保护，街口断面P值不高于1。", False),
        ("Zhejiang shares monitoring data within 5 days through the national API.", False),
        ("浙江省每年向安徽省拨付1亿元。", False),
    ],
)
def test_lint_text(text: str, bad: bool) -> None:
    assert bool(lint([Clause("1", text)])) is bad


def test_lint_accepts_vague_verb_with_obligation_and_reports_words() -> None:
    assert lint([Clause("1", "加强水质保护", obligation=_ob())]) == ()
    f = lint([Clause("2.1", "加强和完善合作，promote growth")])[0]
    assert f.clause == "2.1" and set(f.words) == {"promote", "加强", "完善"}
    assert "第2.1条" in f.message_zh
    assert vague_words("Strengthening ties; improved roads") == ("strengthen", "improve")
    assert vague_words("proportional supported") == ("support",)
    assert vague_words("improvements") == ()


# -- review ---------------------------------------------------------------------------------
def test_review_rules() -> None:
    good = Instrument(
        "agreement",
        "Xin'an",
        ("33", "34"),
        (Clause("1", "P 值不高于 1", obligation=_ob(), breach=TERMS),),
    )
    assert review(good) == ()
    bad = Instrument(
        "agreement",
        "bad",
        ("33", "34"),
        (
            Clause("1", "园区建设须本地企业优先，招标限定本省注册企业。"),
            Clause("2", "Restrict entry of non-local goods; designated supplier only."),
            Clause("3", "P", obligation=_ob()),
            Clause("4", "双方加强合作"),
        ),
    )
    f = review(bad)
    rules = {(x.rule, x.clause) for x in f}
    assert ("fair_competition.local_protection", "1") in rules
    assert ("fair_competition.discriminatory_procurement", "1") in rules
    assert ("fair_competition.market_access", "2") in rules
    assert ("fair_competition.local_protection", "2") in rules
    assert ("missing_breach_terms", "3") in rules
    assert ("wording.vague_without_target", "4") in rules
    assert ("fair_competition.discriminatory_procurement", "2") in rules
    assert blocking(f) == len(f) == 7
    none = Instrument("plan", "p", ("33",), (Clause("1", "每年新增绿地100公顷"),))
    assert [x.rule for x in review(none)] == ["missing_kpi"]


# -- KPI, breach, credit --------------------------------------------------------------------
T_REP = datetime(2025, 3, 1, tzinfo=UTC)


def test_kpi_judged_by_period_end_not_wall_clock() -> None:
    clause = Clause("1", "P<=1", obligation=_ob(), breach=TERMS)
    early = KPIReport("1", date(2023, 1, 1), date(2023, 12, 31), Decimal("1.2"), T_REP)
    assert evaluate(clause, early).outcome is Outcome.IN_PROGRESS
    met = KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal("0.9"), T_REP)
    assert evaluate(clause, met).outcome is Outcome.MET
    miss = KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal("1.4"), T_REP)
    ev = evaluate(clause, miss)
    assert ev.outcome is Outcome.NOT_MET and ev.shortfall == Decimal("0.4")
    fm = KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal("1.4"), T_REP, force_majeure=True)
    assert evaluate(clause, fm).outcome is Outcome.EXEMPT
    with pytest.raises(DataError, match="cannot be made"):
        KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal(1), datetime(2024, 6, 1, tzinfo=UTC))
    with pytest.raises(DataError, match="time zone"):
        KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal(1), datetime(2025, 6, 1))


def test_breach_sanctions_and_credit() -> None:
    clause = Clause("1", "P<=1", obligation=_ob(), breach=TERMS)
    ev = evaluate(clause, KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal("1.4"), T_REP))
    b = breach_from(clause, ev)
    assert b is not None
    # 1,000,000 + 500,000 * 0.4 = 1,200,000 fen (12,000 yuan)
    assert b.damages_fen == 1_200_000
    assert [s.kind for s in b.sanctions] == [
        "liquidated_damages",
        "reputation_notice",
        "loss_of_priority",
        "credit_penalty",
    ]
    evs = credit_events_for(b, T_REP, ref="breach:1")
    assert [(e.subject, e.delta) for e in evs] == [("34", -10)]
    rec = credit_record("34", [*evs, CreditEvent("33", T_REP, -5, "x")])
    assert rec.score == 90 and rec.breaches == 1 and rec.n_events == 1
    ok = evaluate(clause, KPIReport("1", date(2024, 1, 1), date(2024, 12, 31), Decimal("1"), T_REP))
    assert breach_from(clause, ok) is None


@given(st.lists(st.integers(min_value=-50, max_value=50), max_size=30), st.randoms())
def test_credit_is_a_commutative_fold(deltas: list[int], rnd: object) -> None:
    events = [CreditEvent("11", T_REP, d, "e") for d in deltas]
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert credit_score(events) == credit_score(shuffled) == 100 + sum(deltas)
    # appending an event moves the score by exactly its delta
    assert credit_score([*events, CreditEvent("11", T_REP, 7, "x")]) == credit_score(events) + 7


# -- governance -----------------------------------------------------------------------------
def test_dispute_routing_and_superiors() -> None:
    tree = china()
    assert route_dispute(tree, ["33", "34"]).code == "CN"
    with pytest.raises(DataError, match="two distinct"):
        route_dispute(tree, ["33", "33"])
    assert superiors_of(tree, ["33", "34"]) == frozenset({"CN"})
    assert superiors_of(tree, ["11"]) == frozenset({"CN"})
    assert superiors_of(tree, ["CN"]) == frozenset()


def test_participation_flags() -> None:
    subs = [("enterprise", "33"), ("enterprise", "33"), ("resident", "33"), ("local", "34")]
    rep = participation(subs, ["33", "34", "11"])
    assert rep.by_kind == {"enterprise": 2, "resident": 1, "local": 1}
    assert rep.under_kinds == ("ngo",)
    assert rep.under_regions == ("11",)
    assert not rep.ok
    strict = ParticipationRule(min_per_kind={"enterprise": 3}, min_per_region=0)
    assert participation(subs, ["33"], strict).under_kinds == ("enterprise",)


def test_schedule_and_alerts() -> None:
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert revision_deadline(date(2024, 3, 15)) == date(2024, 9, 15)
    sch = rolling_schedule(date(2024, 1, 1))
    assert sch.core_end == date(2027, 1, 1) and sch.cycle_end == date(2029, 1, 1)
    assert len(sch.evaluations) == 5
    items = [
        InstrumentStatus("a", "revision_required", revision_deadline=date(2025, 1, 1)),
        InstrumentStatus("b", "in_force", expires_on=date(2025, 5, 1)),
        InstrumentStatus("c", "in_force", expires_on=date(2030, 1, 1), effective_from=date(2023, 6, 1)),
        InstrumentStatus("d", "terminated", expires_on=date(2025, 2, 1)),
    ]
    got = {(a.instrument, a.kind) for a in alerts(items, date(2025, 2, 1))}
    assert got == {("a", "revision_overdue"), ("b", "expiring"), ("c", "evaluation_due")}


def test_diff() -> None:
    d = diff_texts("1 a\n2 b\n3 c", "1 a\n2 B\n3 c\n4 d", old_label="v1", new_label="v2")
    assert d.added == 2 and d.removed == 1
    assert "-2 b" in d.unified and "+2 B" in d.unified


# -- policy ---------------------------------------------------------------------------------
def test_policy_matrix_hand_cases() -> None:
    inst = PolicyObject(
        "instrument",
        state="negotiating",
        parties=frozenset({"33", "34"}),
        obligors=frozenset({"34"}),
        superiors=frozenset({"CN"}),
    )
    zj = Principal(1, Role.OFFICER, "33", "local", 1)
    bj = Principal(2, Role.OFFICER, "11", "local", 2)
    rev = Principal(3, Role.REVIEWER, "CN", "central", 3)
    pub = Principal(4, Role.PUBLIC)
    assert can(zj, "sign", inst) and not can(bj, "sign", inst) and not can(rev, "sign", inst)
    assert not can(pub, "sign", inst)
    assert can(rev, "approve", inst) and not can(zj, "approve", inst)
    assert not can(Principal(5, Role.REVIEWER, "33"), "approve", inst)
    in_force = PolicyObject("instrument", state="in_force", parties=inst.parties, obligors=frozenset({"34"}))
    assert can(Principal(6, Role.OFFICER, "34"), "report_kpi", in_force)
    assert not can(zj, "report_kpi", in_force)
    assert not can(Principal(6, Role.OFFICER, "34"), "report_kpi", inst)
    draft = PolicyObject("instrument", state="draft", parties=inst.parties, superiors=frozenset({"CN"}))
    assert can(zj, "view", draft) and not can(bj, "view", draft) and not can(pub, "view", draft)
    assert can(pub, "view", inst)
    assert can(Principal(7, Role.ADMIN), "manage_users", PolicyObject("user"))
    assert not can(zj, "manage_users", PolicyObject("user"))
    consult = PolicyObject("instrument", state="consultation", parties=inst.parties, owner_region="33")
    assert can(zj, "answer", consult) and not can(Principal(9, Role.OFFICER, "34"), "answer", consult)
    pay = PolicyObject("payment", state="due", parties=frozenset({"34"}))
    assert can(Principal(9, Role.OFFICER, "34"), "confirm_payment", pay) and not can(
        zj, "confirm_payment", pay
    )
    ev = Principal(8, Role.PARTICIPANT, "11", "evaluator", 8)
    assert can(ev, "evaluate", in_force) and not can(ev, "order_revision", in_force)


@given(
    st.sampled_from(list(Role)),
    st.sampled_from(["11", "33", "34", "CN", None]),
    st.sampled_from(
        [
            "sign",
            "report_kpi",
            "approve",
            "edit",
            "file",
            "decide",
            "order_revision",
            "submit",
            "manage_users",
        ]
    ),
    st.sampled_from([s.value for s in State]),
)
def test_policy_never_grants_outsiders(role: Role, region: str | None, action: str, state: str) -> None:
    """Nobody outside the parties and their superiors may change an instrument of 33 and 34."""
    obj = PolicyObject(
        "instrument",
        state=state,
        parties=frozenset({"33", "34"}),
        obligors=frozenset({"34"}),
        superiors=frozenset({"CN"}),
    )
    p = Principal(1, role, region, "local", 1)
    if can(p, action, obj):
        if action == "submit":
            assert state == "consultation" and role in (Role.OFFICER, Role.PARTICIPANT)
        elif action == "manage_users":
            assert role is Role.ADMIN
        elif role is Role.REVIEWER:
            assert region == "CN"
        else:
            assert role is Role.OFFICER and region in {"33", "34"}
    assert not can(Principal(None, role, region), action, obj)


@given(
    st.sampled_from(["加强", "推进", "促进", "完善", "strengthen", "promote", "improve"]),
    st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lo"), max_codepoint=0x9FFF), max_size=20),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(["%", "亿元", "km", "个", "days"]),
)
def test_lint_vague_verb_fails_until_quantified(verb: str, filler: str, n: int, unit: str) -> None:
    """A vague verb alone is rejected; the same text with a number and unit is accepted."""
    text = f"The parties {verb} {filler}" if verb.isascii() else f"双方{verb}{filler}"
    assert lint([Clause("1", text)])  # vague, no target
    assert lint([Clause("1", f"{text} {n}{unit}")]) == ()


@given(st.lists(st.sampled_from(["met", "not_met"]), min_size=1, max_size=10))
def test_credit_record_counts_each_breach(outcomes: list[str]) -> None:
    """One credit event per missed period; score = 100 - penalty * misses (hand fold)."""
    clause = Clause("1", "P<=1", obligation=_ob(), breach=TERMS)
    events = []
    for k, o in enumerate(outcomes):
        value = Decimal("0.9") if o == "met" else Decimal("1.3")
        ev = evaluate(
            clause,
            KPIReport(
                "1", date(2025 + k, 1, 1), date(2025 + k, 12, 31), value, datetime(2040, 1, 1, tzinfo=UTC)
            ),
        )
        b = breach_from(clause, ev)
        if b is not None:
            events.extend(credit_events_for(b, T_REP))
    misses = outcomes.count("not_met")
    rec = credit_record("34", events)
    assert rec.score == 100 - 10 * misses and rec.breaches == misses
