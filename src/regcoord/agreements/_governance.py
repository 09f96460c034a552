"""Dispute routing, participation thresholds, evaluation and revision scheduling, versions.

- Disputes go to the *lowest common superior* of the parties (issue 4 §6: same province
  -> the province; provinces -> the central government), computed on the region tree.
- Participation (seed 003 §5.2.4): "the formulation of soft laws must go public ...
  especially to involve small and medium-sized enterprises, industry associations, and
  public representatives. The participation situation should be one of the
  preconditions for the effectiveness of the agreement." A :class:`ParticipationRule`
  states the minimum number of submissions per actor kind and per party region.
- Rolling cycle (seed 003 §5.1.1): "three years of core provisions + two years of
  dynamic adjustment", evaluated annually. Revision deadline (seed 003 §5.2.4): the
  revision "must be initiated within the prescribed time limit (such as within half a
  year)" — six months by default.
- Versioned texts are compared with :mod:`difflib` (unified diff).
"""

from __future__ import annotations

import calendar
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from regcoord.agreements._model import ActorKind
from regcoord.errors import DataError
from regcoord.regions import Region, RegionTree

#: seed 003 §5.2.4 ("such as within half a year")
REVISION_MONTHS_DEFAULT = 6
#: seed 003 §5.1.1 ("three years of core provisions + two years of dynamic adjustment")
CORE_YEARS_DEFAULT = 3
ADJUSTMENT_YEARS_DEFAULT = 2


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def revision_deadline(ordered_on: date, months: int = REVISION_MONTHS_DEFAULT) -> date:
    """The date by which an ordered revision must be adopted."""
    if months <= 0:
        raise DataError("revision period must be positive", column="months", expected="> 0")
    return add_months(ordered_on, months)


def route_dispute(tree: RegionTree, parties: Iterable[str]) -> Region:
    """The body that decides a dispute: the lowest common superior of the parties."""
    ps = list(dict.fromkeys(parties))
    if len(ps) < 2:
        raise DataError(
            "a dispute needs at least two distinct parties", column="parties", expected=">= 2 regions"
        )
    return tree.lowest_common_superior(ps[0], *ps[1:])


def superiors_of(tree: RegionTree, parties: Iterable[str]) -> frozenset[str]:
    """Region codes that sit above *all* parties: their lowest common superior and its ancestors.

    With one party, the party's own ancestors.
    """
    ps = list(dict.fromkeys(parties))
    if not ps:
        return frozenset()
    if len(ps) == 1:
        parent = tree[ps[0]].parent
        if parent is None:
            return frozenset()
        top = tree[parent]
    else:
        top = tree.lowest_common_superior(ps[0], *ps[1:])
    return frozenset([top.code, *(r.code for r in tree.ancestors(top.code))])


@dataclass(frozen=True)
class ParticipationRule:
    """Minimum submissions per actor kind and per party region.

    The defaults require at least one submission from each group seed 003 §5.2.4 names
    (enterprises, associations/NGOs, the public) and from each party region; raise them
    in a rule set to demand more.
    """

    min_per_kind: Mapping[str, int] = field(
        default_factory=lambda: {
            ActorKind.ENTERPRISE.value: 1,
            ActorKind.NGO.value: 1,
            ActorKind.RESIDENT.value: 1,
        }
    )
    min_per_region: int = 1


@dataclass(frozen=True)
class ParticipationReport:
    by_kind: dict[str, int]
    by_region: dict[str, int]
    under_kinds: tuple[str, ...]
    under_regions: tuple[str, ...]
    #: submissions of the parties' own officers: shown apart, never counted toward the rule
    party_officers: int = 0

    @property
    def ok(self) -> bool:
        return not self.under_kinds and not self.under_regions

    def to_dict(self) -> dict[str, Any]:
        return {
            "by_kind": self.by_kind,
            "by_region": self.by_region,
            "under_represented_kinds": list(self.under_kinds),
            "under_represented_regions": list(self.under_regions),
            "party_officers": self.party_officers,
            "ok": self.ok,
        }


def participation(
    submissions: Iterable[tuple[str, str]],
    parties: Iterable[str],
    rule: ParticipationRule | None = None,
    *,
    party_officers: int = 0,
) -> ParticipationReport:
    """Count submissions by ``(actor_kind, region)`` and flag the groups below ``rule``.

    ``submissions`` are the public's (the parties' own officers commenting on their own
    instrument are not public participation, issue 8): their number ``party_officers`` is
    reported apart and counts toward nothing.
    """
    rule = rule or ParticipationRule()
    by_kind: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for kind, region in submissions:
        by_kind[kind] = by_kind.get(kind, 0) + 1
        by_region[region] = by_region.get(region, 0) + 1
    under_k = tuple(k for k, n in rule.min_per_kind.items() if by_kind.get(k, 0) < n)
    under_r = tuple(p for p in parties if by_region.get(p, 0) < rule.min_per_region)
    return ParticipationReport(by_kind, by_region, under_k, under_r, party_officers)


@dataclass(frozen=True)
class Schedule:
    """The rolling review schedule of one instrument."""

    effective_from: date
    evaluations: tuple[date, ...]
    core_end: date
    cycle_end: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "effective_from": self.effective_from.isoformat(),
            "evaluations": [d.isoformat() for d in self.evaluations],
            "core_end": self.core_end.isoformat(),
            "cycle_end": self.cycle_end.isoformat(),
        }


def rolling_schedule(
    effective_from: date,
    *,
    core_years: int = CORE_YEARS_DEFAULT,
    adjustment_years: int = ADJUSTMENT_YEARS_DEFAULT,
) -> Schedule:
    """Annual evaluations over a ``core + adjustment`` cycle (seed 003 §5.1.1)."""
    if core_years < 1 or adjustment_years < 0:
        raise DataError("core_years must be >= 1 and adjustment_years >= 0", column="core_years")
    total = core_years + adjustment_years
    evals = tuple(add_months(effective_from, 12 * k) for k in range(1, total + 1))
    return Schedule(
        effective_from,
        evals,
        add_months(effective_from, 12 * core_years),
        add_months(effective_from, 12 * total),
    )


def next_evaluation_due(effective_from: date | None, last_evaluated: date | None) -> date | None:
    """The first annual evaluation of the default cycle after ``last_evaluated`` (seed 003 §5.1.1).

    ``min {d in rolling_schedule(effective_from).evaluations : last_evaluated is None or d > last_evaluated}``,
    ``None`` when the instrument is not in force yet or the cycle's evaluations are all done.
    The ``evaluation_due`` rule of :func:`alerts` fires when this date is on or before the day.
    """
    if effective_from is None:
        return None
    return next(
        (
            d
            for d in rolling_schedule(effective_from).evaluations
            if last_evaluated is None or d > last_evaluated
        ),
        None,
    )


@dataclass(frozen=True)
class InstrumentStatus:
    """What the alert rules need about one instrument."""

    id: str
    state: str
    expires_on: date | None = None
    revision_deadline: date | None = None
    effective_from: date | None = None
    last_evaluated: date | None = None


@dataclass(frozen=True)
class Alert:
    instrument: str
    kind: str  # revision_overdue | expiring | evaluation_due
    due: date
    message_en: str
    message_zh: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


def alerts(items: Iterable[InstrumentStatus], on: date, *, horizon_days: int = 180) -> tuple[Alert, ...]:
    """Overdue revisions, instruments expiring within ``horizon_days``, evaluations due.

    The 180-day horizon equals the default six-month revision window, so an instrument
    flagged as expiring can still be revised before it lapses.
    """
    out: list[Alert] = []
    for it in items:
        if it.state == "revision_required" and it.revision_deadline is not None and on > it.revision_deadline:
            out.append(
                Alert(
                    it.id,
                    "revision_overdue",
                    it.revision_deadline,
                    f"revision overdue since {it.revision_deadline.isoformat()}",
                    f"修订已逾期（期限{it.revision_deadline.isoformat()}）",
                )
            )
        if (
            it.state in ("in_force", "evaluated", "revision_required")
            and it.expires_on is not None
            and (it.expires_on - on).days <= horizon_days
        ):
            out.append(
                Alert(
                    it.id,
                    "expiring",
                    it.expires_on,
                    f"expires on {it.expires_on.isoformat()}",
                    f"将于{it.expires_on.isoformat()}到期",
                )
            )
        if it.state == "in_force" and it.effective_from is not None:
            due = next_evaluation_due(it.effective_from, it.last_evaluated)
            if due is not None and due <= on:
                out.append(
                    Alert(
                        it.id,
                        "evaluation_due",
                        due,
                        f"annual evaluation due since {due.isoformat()}",
                        f"年度评估应于{due.isoformat()}进行",
                    )
                )
    return tuple(out)


@dataclass(frozen=True)
class TextDiff:
    old_label: str
    new_label: str
    unified: str
    added: int
    removed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_label,
            "new": self.new_label,
            "unified": self.unified,
            "added": self.added,
            "removed": self.removed,
        }


def diff_texts(old: str, new: str, *, old_label: str = "old", new_label: str = "new") -> TextDiff:
    """Unified line diff of two versions of a text (:func:`difflib.unified_diff`)."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""))
    added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
    return TextDiff(old_label, new_label, "\n".join(lines), added, removed)
