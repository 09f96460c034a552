"""Reforms: flat dated overrides of rule parameters (and replaced formulas), applied to a copy.

A reform is a flat mapping, OpenFisca style::

    china_balanced_transfer.coefficient: {2026-01-01: 0.9}
    germany_fag.vat_adjustment_rate: {2026-01-01: 0.7}

read from YAML or JSON, optionally with ``name``, ``description`` and ``formulas`` (scheme
name -> the name of a formula registered with :func:`register_formula`) around it under
``overrides``.  An override ``{D: v}`` sets the value ``v`` from day ``D`` to the end of the
value period that contains ``D`` (a later dated value of the rule keeps its own date).

:meth:`RuleSystem.apply` checks every override against the rule system and returns a new
system; the baseline is never changed.  Errors (:class:`~regcoord.errors.DataError`) name
the override and what was expected: an unknown rule set, parameter or input; a date
outside the rule's validity; a value outside the declared ``range`` of the rule file; a
flag given a number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from regcoord.errors import DataError, RuleError
from regcoord.rules import InputSpec, ParameterValue, RuleSet, RuleSnapshot, Source, load_rule_set, to_decimal

__all__ = [
    "Formula",
    "Override",
    "Reform",
    "RuleSystem",
    "formula",
    "load_reform",
    "parse_reform",
    "register_formula",
    "registered_formulas",
]

#: a scheme formula: ``f(data, params) -> amounts``; ``data`` maps column -> array (n,),
#: ``params`` maps parameter or input name -> array broadcastable to (K, n); the result has
#: shape (K, n).  The same function runs on Decimal object arrays (exact run) and on
#: float64 arrays (vectorised sweeps).
Formula = Callable[[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], np.ndarray]

_FORMULAS: dict[str, Formula] = {}


def register_formula(name: str, fn: Formula) -> Formula:
    """Register a replacement formula under ``name`` so that a reform can name it."""
    if not name or not isinstance(name, str):
        raise DataError(f"formula name {name!r}", expected="a non-empty name")
    _FORMULAS[name] = fn
    return fn


def formula(name: str) -> Formula:
    """The formula registered under ``name``."""
    try:
        return _FORMULAS[name]
    except KeyError:
        known = ", ".join(sorted(_FORMULAS)) or "none"
        raise DataError(
            f"no formula registered as {name!r}", column="formulas", expected=f"one of: {known}"
        ) from None


def registered_formulas() -> tuple[str, ...]:
    return tuple(sorted(_FORMULAS))


@dataclass(frozen=True, slots=True)
class Override:
    """One dated override: ``rule_set.parameter`` takes ``value`` from ``start``."""

    rule_set: str
    parameter: str
    start: dt.date
    value: Decimal | bool

    @property
    def name(self) -> str:
        return f"{self.rule_set}.{self.parameter}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "value": self.value if isinstance(self.value, bool) else str(self.value),
        }


@dataclass(frozen=True)
class Reform:
    """A named set of dated overrides and replaced formulas (scheme -> registered formula)."""

    name: str = "reform"
    overrides: tuple[Override, ...] = ()
    formulas: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The reform in the flat form it is read from (round-trips through :func:`parse_reform`)."""
        flat: dict[str, dict[str, Any]] = {}
        for o in self.overrides:
            d = o.to_dict()
            flat.setdefault(o.name, {})[d["start"]] = d["value"]
        return {
            "name": self.name,
            "description": self.description,
            "overrides": flat,
            "formulas": dict(self.formulas),
        }

    def merged(self, other: Reform) -> Reform:
        """This reform with ``other``'s overrides and formulas added (``other`` wins on the same date)."""
        keep = [
            o for o in self.overrides if (o.name, o.start) not in {(p.name, p.start) for p in other.overrides}
        ]
        return Reform(
            name=self.name if other.name == "reform" else other.name,
            overrides=(*keep, *other.overrides),
            formulas={**self.formulas, **other.formulas},
            description=self.description or other.description,
        )


def _value(raw: Any, where: str, source: str | None) -> Decimal | bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    try:
        return to_decimal(raw, name=where)
    except DataError:
        raise DataError(
            f"value {raw!r} is not a number", source=source, column=where, expected="a number or true/false"
        ) from None


def _date(raw: Any, where: str, source: str | None) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise DataError(
            f"{raw!r} is not a date", source=source, column=where, expected="dates as YYYY-MM-DD keys"
        ) from None


def parse_reform(doc: Any, *, source: str | None = None, name: str | None = None) -> Reform:
    """A :class:`Reform` from a parsed YAML/JSON document (flat, or with ``overrides:``)."""
    if not isinstance(doc, Mapping):
        raise DataError("a reform must be a mapping", source=source, expected="NAME: {DATE: VALUE} entries")
    meta_keys = {"name", "description", "overrides", "formulas"}
    if "overrides" in doc or "formulas" in doc:
        unknown = set(doc) - meta_keys
        if unknown:
            raise DataError(
                f"unknown key(s) {sorted(map(str, unknown))}",
                source=source,
                expected=f"keys {sorted(meta_keys)}",
            )
        flat = doc.get("overrides") or {}
        formulas = doc.get("formulas") or {}
    else:
        flat = {k: v for k, v in doc.items() if k not in {"name", "description"}}
        formulas = {}
    if not isinstance(flat, Mapping) or not isinstance(formulas, Mapping):
        raise DataError("'overrides' and 'formulas' must be mappings", source=source)
    overrides: list[Override] = []
    for key, dated in flat.items():
        full = str(key)
        rs, dot, param = full.partition(".")
        if not dot or not rs or not param:
            raise DataError(
                f"override name {full!r}", source=source, column=full, expected="RULE_SET.PARAMETER"
            )
        if not isinstance(dated, Mapping) or not dated:
            raise DataError(
                f"override {full!r} has no dated value",
                source=source,
                column=full,
                expected="a mapping {YYYY-MM-DD: value}",
            )
        for d, v in dated.items():
            overrides.append(Override(rs, param, _date(d, full, source), _value(v, full, source)))
    for scheme, fname in formulas.items():
        if not isinstance(fname, str):
            raise DataError(
                f"formula of {scheme!r} is {fname!r}",
                source=source,
                column="formulas",
                expected="the name of a registered formula",
            )
        formula(fname)  # raises for an unknown name
    return Reform(
        name=str(name or doc.get("name") or "reform"),
        overrides=tuple(sorted(overrides, key=lambda o: (o.name, o.start))),
        formulas=MappingProxyType({str(k): str(v) for k, v in formulas.items()}),
        description=str(doc.get("description", "")),
    )


def load_reform(path: str | Path) -> Reform:
    """Read a reform from a ``.yaml``/``.yml`` or ``.json`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the reform ({exc.strerror})", source=str(p)) from None
    try:
        doc = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DataError(
            f"not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'} ({exc})", source=str(p)
        ) from None
    return parse_reform(doc, source=str(p), name=None)


def _in_range(value: Decimal, lo: Decimal | None, hi: Decimal | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _range_text(lo: Decimal | None, hi: Decimal | None) -> str:
    return f"a value in [{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"


@dataclass(frozen=True)
class RuleSystem:
    """The rule sets a run reads, plus the overrides of a reform (empty for the baseline)."""

    rule_sets: Mapping[str, RuleSet]
    overrides: tuple[Override, ...] = ()
    reform_name: str = ""

    @classmethod
    def bundled(cls, names: Iterable[str]) -> RuleSystem:
        """The bundled rule sets ``names`` with no override."""
        return cls(MappingProxyType({n: load_rule_set(n) for n in names}))

    def rule_set(self, name: str, *, where: str | None = None) -> RuleSet:
        if name not in self.rule_sets:
            raise DataError(
                f"unknown rule set {name!r}",
                column=where,
                expected=f"one of {', '.join(sorted(self.rule_sets))}",
            )
        return self.rule_sets[name]

    def check(self, o: Override) -> None:
        """Raise :class:`DataError` when ``o`` names nothing, is out of validity or out of range."""
        rs = self.rule_set(o.rule_set, where=o.name)
        if o.parameter in rs:
            values = rs.values(o.parameter)
            current = next(
                (v for v in values if v.start <= o.start and (v.end is None or o.start <= v.end)), None
            )
            if current is None:
                raise DataError(
                    f"date {o.start.isoformat()} is outside the validity of {o.name}",
                    column=o.name,
                    expected="a date in " + ", ".join(v.validity for v in values),
                )
            base_is_flag = isinstance(current.value, bool)
            if base_is_flag != isinstance(o.value, bool):
                raise DataError(
                    f"{o.name} is {'a flag' if base_is_flag else 'a number'}, got {o.value!r}",
                    column=o.name,
                    expected="true or false" if base_is_flag else "a number",
                )
            if not base_is_flag and not isinstance(current.value, Decimal):
                raise DataError(
                    f"{o.name} is not a number or flag (its value is {current.value!r}) and cannot be overridden",
                    column=o.name,
                    expected="a numeric or true/false parameter",
                )
        elif o.parameter in rs.inputs:
            try:
                rs.at(o.start)
            except RuleError:
                raise DataError(
                    f"date {o.start.isoformat()} is outside the validity of rule set {rs.name!r}",
                    column=o.name,
                    expected=f"a date in {rs.covered_ranges()}",
                ) from None
            if isinstance(o.value, bool):
                raise DataError(f"{o.name} is a number, got {o.value!r}", column=o.name, expected="a number")
        else:
            known = sorted([*rs.parameter_names, *rs.inputs])
            raise DataError(
                f"rule set {rs.name!r} has no parameter or input {o.parameter!r}",
                column=o.name,
                expected=f"one of {', '.join(known)}",
            )
        if isinstance(o.value, Decimal):
            lo, hi = rs.range(o.parameter)
            if not _in_range(o.value, lo, hi):
                raise DataError(
                    f"{o.name} = {o.value} is outside its declared range",
                    column=o.name,
                    expected=_range_text(lo, hi),
                )

    def apply(self, reform: Reform) -> RuleSystem:
        """A new system with ``reform``'s overrides (checked); ``self`` is unchanged."""
        for o in reform.overrides:
            self.check(o)
        return RuleSystem(self.rule_sets, (*self.overrides, *reform.overrides), reform.name)

    def with_only(self, override: Override) -> RuleSystem:
        """The baseline plus one override (for the trace of which override changed what)."""
        return RuleSystem(self.rule_sets, (override,), self.reform_name)

    def in_force(self, rule_set: str, date: dt.date | str) -> dict[str, Override]:
        """The override of each parameter or input in force on ``date`` (latest start wins)."""
        date = _date(date, "date", None)
        rs = self.rule_set(rule_set)
        out: dict[str, Override] = {}
        for o in sorted(self.overrides, key=lambda o: o.start):
            if o.rule_set != rule_set or o.start > date:
                continue
            if o.parameter in rs:
                period = max((v for v in rs.values(o.parameter) if v.start <= o.start), key=lambda v: v.start)
                if period.end is not None and date > period.end:
                    continue
            out[o.parameter] = o
        return out

    def snapshot(self, rule_set: str, date: dt.date | str) -> RuleSnapshot:
        """The rule set's parameters on ``date`` with the overrides in force."""
        date = _date(date, "date", None)
        rs = self.rule_set(rule_set)
        snap = rs.at(date)
        forced = {k: o for k, o in self.in_force(rule_set, date).items() if k in rs}
        if not forced:
            return snap
        params: dict[str, ParameterValue] = dict(snap.params)
        for k, o in forced.items():
            base = snap.params.get(k)
            period = max((v for v in rs.values(k) if v.start <= o.start), key=lambda v: v.start)
            params[k] = dataclasses.replace(
                base if base is not None else period,
                value=o.value,
                source=Source(f"reform {self.reform_name or 'reform'}", "override", ""),
                label="reform",
                verified=False,
                start=o.start,
                end=period.end,
                note=f"baseline value {period.value}",
            )
        missing = {k: v for k, v in snap.missing.items() if k not in params}
        return dataclasses.replace(snap, params=MappingProxyType(params), missing=MappingProxyType(missing))

    def input_spec(self, rule_set: str, name: str) -> InputSpec | None:
        return self.rule_set(rule_set).inputs.get(name)
