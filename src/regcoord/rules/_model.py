"""Dated rule sets (OpenFisca style): YAML parameters with sources, selected by date.

A rule set is one file ``params/<name>.yaml``::

    name: xinan_river
    title: {zh: 新安江流域上下游横向生态补偿, en: Xin'an River ...}
    description: ...
    parameters:
      zhejiang_contribution:
        title: {zh: ..., en: ...}
        unit: yuan/year
        source: {document: ..., article: ..., url: ...}
        label: V            # V read in a source, P partly read, U unconfirmed
        verified: true      # true exactly when label is V
        values:
          - {start: 2012-01-01, end: 2014-12-31, value: 100000000}
          - {start: 2015-01-01, end: 2017-12-31, value: 200000000, label: P, verified: false}

A value entry may override ``source``, ``label``, ``verified`` and add a ``note``.
A parameter may declare ``range: {min: 0, max: 1}`` (either bound optional): every value
must lie in it, and a reform (:mod:`regcoord.reform`) may not leave it.  An optional
top-level ``inputs:`` section declares the per-region inputs a scheme reads from the
data (for example a transfer coefficient), with ``title``, ``unit``, ``range``,
``source`` and ``label``, so that a reform overriding them is checked the same way.
Numbers become :class:`decimal.Decimal` (from their decimal text, so ``0.85`` stays
exactly ``0.85``); lists and mappings keep their shape.  ``RuleSet.at(date)`` returns a
frozen :class:`RuleSnapshot` of the values valid that day (lookup by bisect); a
calculation receives the snapshot and reads no files.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from regcoord.errors import RuleError

_LABELS = {"V": "read in a public source", "P": "partly read", "U": "not confirmed in a readable source"}
_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a parameter comes from, official document first.

    ``issuer`` (issuing body), ``document`` (title), ``number`` (文号), ``date`` and ``url``
    (the official publication's address, where known) cite the document itself;
    ``read_at`` names a mirror or news report where the text was actually read.
    """

    document: str
    article: str = ""
    url: str = ""
    issuer: str = ""
    number: str = ""
    date: str = ""
    read_at: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "document": self.document,
            "article": self.article,
            "url": self.url,
            "issuer": self.issuer,
            "number": self.number,
            "date": self.date,
            "read_at": self.read_at,
        }

    def __str__(self) -> str:
        head = " ".join(p for p in (self.document, self.number) if p)
        parts = [p for p in (self.issuer, head, self.date, self.article, self.url) if p]
        text = ", ".join(parts)
        return f"{text}; read at {self.read_at}" if self.read_at else text


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One parameter's value on one validity period, with everything needed to cite it."""

    rule_set: str
    name: str
    value: Any
    unit: str
    title_en: str
    title_zh: str
    source: Source
    label: str
    verified: bool
    start: dt.date
    end: dt.date | None
    note: str = ""

    @property
    def validity(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat() if self.end else 'open'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set,
            "name": self.name,
            "value": _jsonable(self.value),
            "unit": self.unit,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "source": self.source.to_dict(),
            "label": self.label,
            "verified": self.verified,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "note": self.note,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    title_en: str
    title_zh: str
    unit: str
    values: tuple[ParameterValue, ...]  # sorted by start, non-overlapping
    starts: tuple[dt.date, ...]
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def at(self, date: dt.date) -> ParameterValue | None:
        i = bisect.bisect_right(self.starts, date) - 1
        if i < 0:
            return None
        v = self.values[i]
        if v.end is not None and date > v.end:
            return None
        return v

    def ranges(self) -> str:
        return ", ".join(v.validity for v in self.values)


@dataclass(frozen=True, slots=True)
class InputSpec:
    """A per-region input that a scheme reads from the data (declared in ``inputs:``)."""

    rule_set: str
    name: str
    title_en: str
    title_zh: str
    unit: str
    source: Source
    label: str
    verified: bool
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set,
            "name": self.name,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "unit": self.unit,
            "source": self.source.to_dict(),
            "label": self.label,
            "verified": self.verified,
            "min": None if self.minimum is None else str(self.minimum),
            "max": None if self.maximum is None else str(self.maximum),
            "note": self.note,
        }


@dataclass(frozen=True)
class RuleSnapshot:
    """The parameters of one rule set valid on one date (immutable).

    ``snapshot["k0"]`` is the value, ``snapshot.param("k0")`` the value with its source,
    label and validity; ``snapshot.group("coefficients")`` collects ``coefficients.*``.
    """

    rule_set: str
    title_en: str
    title_zh: str
    date: dt.date
    params: Mapping[str, ParameterValue]
    missing: Mapping[str, str] = field(default_factory=dict)  # name -> covered ranges

    def __contains__(self, name: object) -> bool:
        return name in self.params

    def __getitem__(self, name: str) -> Any:
        return self.param(name).value

    def get(self, name: str, default: Any = None) -> Any:
        p = self.params.get(name)
        return default if p is None else p.value

    def param(self, name: str) -> ParameterValue:
        p = self.params.get(name)
        if p is not None:
            return p
        if name in self.missing:
            raise RuleError(
                f"rule set {self.rule_set!r}: parameter {name!r} has no value valid on "
                f"{self.date.isoformat()} (covered: {self.missing[name]}); supply it as a user parameter"
            )
        known = ", ".join(sorted(set(self.params) | set(self.missing)))
        raise RuleError(
            f"rule set {self.rule_set!r} has no parameter {name!r}; supply it as a user parameter "
            f"(parameters of this rule set: {known})"
        )

    def group(self, prefix: str) -> dict[str, ParameterValue]:
        """Parameters named ``prefix.<key>`` valid on this date, keyed by ``<key>``."""
        pre = prefix + "."
        return {k[len(pre) :]: v for k, v in self.params.items() if k.startswith(pre)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_set": self.rule_set,
            "date": self.date.isoformat(),
            "params": {k: v.to_dict() for k, v in self.params.items()},
        }


@dataclass(frozen=True)
class RuleSet:
    """A dated parameter set loaded from ``params/<name>.yaml``."""

    name: str
    title_en: str
    title_zh: str
    description: str
    path: str
    _params: Mapping[str, _Parameter]
    inputs: Mapping[str, InputSpec] = field(default_factory=dict)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self._params)

    def range(self, name: str) -> tuple[Decimal | None, Decimal | None]:
        """The declared ``(min, max)`` of a parameter or input (``None``: unbounded)."""
        if name in self._params:
            p = self._params[name]
            return p.minimum, p.maximum
        if name in self.inputs:
            i = self.inputs[name]
            return i.minimum, i.maximum
        raise RuleError(f"rule set {self.name!r} has no parameter or input {name!r}")

    def covered_ranges(self) -> str:
        """The validity periods of all parameters, merged, as text."""
        spans = sorted({(v.start, v.end) for p in self._params.values() for v in p.values}, key=_span_key)
        merged: list[tuple[dt.date, dt.date | None]] = []
        for s, e in spans:
            if merged:
                ps, pe = merged[-1]
                if pe is None or s <= pe + dt.timedelta(days=1):
                    new_end = None if (pe is None or e is None) else max(pe, e)
                    merged[-1] = (ps, new_end)
                    continue
            merged.append((s, e))
        return ", ".join(f"{s.isoformat()}..{e.isoformat() if e else 'open'}" for s, e in merged)

    def values(self, name: str) -> tuple[ParameterValue, ...]:
        """Every dated value of one parameter (for reports and tests)."""
        if name not in self._params:
            raise RuleError(f"rule set {self.name!r} has no parameter {name!r}")
        return self._params[name].values

    def at(self, date: dt.date | str) -> RuleSnapshot:
        """The parameters valid on ``date``; :class:`RuleError` if none is."""
        day = _as_date(date, where=f"rule set {self.name!r}")
        found: dict[str, ParameterValue] = {}
        missing: dict[str, str] = {}
        for name, p in self._params.items():
            v = p.at(day)
            if v is None:
                missing[name] = p.ranges()
            else:
                found[name] = v
        if not found:
            raise RuleError(
                f"rule set {self.name!r} has no parameter valid on {day.isoformat()}; "
                f"covered periods: {self.covered_ranges()}"
            )
        return RuleSnapshot(
            rule_set=self.name,
            title_en=self.title_en,
            title_zh=self.title_zh,
            date=day,
            params=MappingProxyType(found),
            missing=MappingProxyType(missing),
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __contains__(self, name: object) -> bool:
        return name in self._params


def _span_key(span: tuple[dt.date, dt.date | None]) -> tuple[dt.date, dt.date]:
    return (span[0], span[1] or dt.date.max)


def _as_date(value: Any, *, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise RuleError(f"{where}: expected a date (YYYY-MM-DD), got the number {value}")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise RuleError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    raise RuleError(f"{where}: expected a date (YYYY-MM-DD), got {value!r}")


def _convert(value: Any, where: str) -> Any:
    """Numbers to Decimal (from their text), lists to tuples, mappings to read-only dicts."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple(_convert(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, dict):
        return MappingProxyType({str(k): _convert(v, f"{where}.{k}") for k, v in value.items()})
    raise RuleError(f"{where}: unsupported value {value!r} (expected a number, text, list or mapping)")


def _title(raw: Any, where: str) -> tuple[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("en"), str) or not isinstance(raw.get("zh"), str):
        raise RuleError(f"{where}: key 'title' must be a mapping with text 'en' and 'zh'")
    return raw["en"], raw["zh"]


def _source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict) or not isinstance(raw.get("document"), str):
        raise RuleError(
            f"{where}: key 'source' must be a mapping with at least 'document' (and 'article', 'url')"
        )
    allowed = ("document", "article", "url", "issuer", "number", "date", "read_at")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise RuleError(
            f"{where}: unknown key(s) {sorted(unknown)} in 'source' (allowed: {', '.join(allowed)})"
        )
    return Source(*(str(raw.get(k, "")) for k in allowed))


def _label(raw: dict[str, Any], where: str, default: tuple[str, bool] | None) -> tuple[str, bool]:
    label = raw.get("label", default[0] if default else None)
    verified = raw.get("verified", default[1] if default and "label" not in raw else None)
    if label not in _LABELS:
        raise RuleError(f"{where}: key 'label' must be one of V, P, U ({_LABELS}), got {label!r}")
    if verified is None:
        verified = label == "V"
    if not isinstance(verified, bool):
        raise RuleError(f"{where}: key 'verified' must be true or false, got {verified!r}")
    if verified != (label == "V"):
        raise RuleError(
            f"{where}: 'verified: {str(verified).lower()}' contradicts label {label} (verified only for V)"
        )
    return label, verified


def _range(raw: Any, where: str) -> tuple[Decimal | None, Decimal | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, dict) or set(raw) - {"min", "max"} or not raw:
        raise RuleError(f"{where}: key 'range' must be a mapping with 'min' and/or 'max'")
    out: list[Decimal | None] = []
    for key in ("min", "max"):
        v = raw.get(key)
        if v is None:
            out.append(None)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(_convert(v, f"{where}, range {key}"))
        else:
            raise RuleError(f"{where}: range {key} must be a number, got {v!r}")
    lo, hi = out
    if lo is not None and hi is not None and lo > hi:
        raise RuleError(f"{where}: range min {lo} is above max {hi}")
    return lo, hi


def _check_in_range(value: Any, lo: Decimal | None, hi: Decimal | None, where: str) -> None:
    if not isinstance(value, Decimal):
        return
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise RuleError(
            f"{where}: value {value} is outside the declared range "
            f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        )


def _parse_inputs(raw_inputs: Any, name: str, path: str) -> dict[str, InputSpec]:
    if raw_inputs is None:
        return {}
    if not isinstance(raw_inputs, dict):
        raise RuleError(f"rule file {path}: key 'inputs' must be a mapping of input names")
    out: dict[str, InputSpec] = {}
    for iname, raw in raw_inputs.items():
        where = f"rule file {path}, input {iname!r}"
        if not isinstance(iname, str) or not set(iname) <= _NAME_OK:
            raise RuleError(f"{where}: input names use lower-case letters, digits, '_' and '.'")
        if not isinstance(raw, dict):
            raise RuleError(f"{where}: expected a mapping")
        unknown = set(raw) - {"title", "unit", "source", "label", "verified", "range", "note"}
        if unknown:
            raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}")
        for key in ("title", "unit", "source", "label"):
            if key not in raw:
                raise RuleError(f"{where}: missing key {key!r}")
        en, zh = _title(raw["title"], where)
        label, verified = _label(raw, where, None)
        lo, hi = _range(raw.get("range"), where)
        out[iname] = InputSpec(
            rule_set=name,
            name=iname,
            title_en=en,
            title_zh=zh,
            unit=str(raw["unit"]),
            source=_source(raw["source"], where),
            label=label,
            verified=verified,
            minimum=lo,
            maximum=hi,
            note=str(raw.get("note", "")),
        )
    return out


def _parse(doc: Any, path: str) -> RuleSet:
    if not isinstance(doc, dict):
        raise RuleError(f"rule file {path}: expected a mapping at the top level")
    for key in ("name", "title", "parameters"):
        if key not in doc:
            raise RuleError(f"rule file {path}: missing key {key!r}")
    unknown = set(doc) - {"name", "title", "description", "parameters", "inputs"}
    if unknown:
        raise RuleError(f"rule file {path}: unknown top-level key(s) {sorted(unknown)}")
    name = doc["name"]
    title_en, title_zh = _title(doc["title"], f"rule file {path}")
    if not isinstance(doc["parameters"], dict) or not doc["parameters"]:
        raise RuleError(f"rule file {path}: key 'parameters' must be a non-empty mapping")
    params: dict[str, _Parameter] = {}
    for pname, raw in doc["parameters"].items():
        where = f"rule file {path}, parameter {pname!r}"
        if not isinstance(pname, str) or not set(pname) <= _NAME_OK:
            raise RuleError(f"{where}: parameter names use lower-case letters, digits, '_' and '.'")
        if not isinstance(raw, dict):
            raise RuleError(f"{where}: expected a mapping")
        unknown = set(raw) - {"title", "unit", "source", "label", "verified", "values", "note", "range"}
        if unknown:
            raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}")
        for key in ("title", "unit", "source", "values"):
            if key not in raw:
                raise RuleError(f"{where}: missing key {key!r}")
        p_en, p_zh = _title(raw["title"], where)
        unit = str(raw["unit"])
        p_source = _source(raw["source"], where)
        p_label = _label(raw, where, None) if "label" in raw else None
        lo, hi = _range(raw.get("range"), where)
        entries = raw["values"]
        if not isinstance(entries, list) or not entries:
            raise RuleError(f"{where}: key 'values' must be a non-empty list of dated values")
        values: list[ParameterValue] = []
        for i, entry in enumerate(entries):
            ew = f"{where}, values[{i}]"
            if not isinstance(entry, dict) or "start" not in entry or "value" not in entry:
                raise RuleError(f"{ew}: each value needs 'start' and 'value'")
            unknown = set(entry) - {"start", "end", "value", "source", "label", "verified", "note"}
            if unknown:
                raise RuleError(f"{ew}: unknown key(s) {sorted(unknown)}")
            start = _as_date(entry["start"], where=f"{ew}, key 'start'")
            end = _as_date(entry["end"], where=f"{ew}, key 'end'") if entry.get("end") is not None else None
            if end is not None and end < start:
                raise RuleError(f"{ew}: 'end' {end} is before 'start' {start}")
            if "label" in entry or "verified" in entry:
                label, verified = _label(entry, ew, p_label)
            elif p_label is not None:
                label, verified = p_label
            else:
                raise RuleError(f"{ew}: missing key 'label' (V, P or U) on the parameter or the value")
            src = _source(entry["source"], ew) if "source" in entry else p_source
            values.append(
                ParameterValue(
                    rule_set=str(name),
                    name=pname,
                    value=_convert(entry["value"], f"{ew}, key 'value'"),
                    unit=unit,
                    title_en=p_en,
                    title_zh=p_zh,
                    source=src,
                    label=label,
                    verified=verified,
                    start=start,
                    end=end,
                    note=str(entry.get("note", raw.get("note", ""))),
                )
            )
        values.sort(key=lambda v: v.start)
        for v in values:
            _check_in_range(v.value, lo, hi, f"{where}, value from {v.start.isoformat()}")
        for a, b in itertools.pairwise(values):
            if a.end is None or a.end >= b.start:
                raise RuleError(f"{where}: validity periods {a.validity} and {b.validity} overlap")
        params[pname] = _Parameter(
            pname, p_en, p_zh, unit, tuple(values), tuple(v.start for v in values), lo, hi
        )
    return RuleSet(
        name=str(name),
        title_en=title_en,
        title_zh=title_zh,
        description=str(doc.get("description", "")),
        path=path,
        _params=MappingProxyType(params),
        inputs=MappingProxyType(_parse_inputs(doc.get("inputs"), str(name), path)),
    )


def _params_dir() -> Path:
    return Path(str(resources.files("regcoord.rules") / "params"))


def available_rule_sets() -> tuple[str, ...]:
    """Names of the bundled rule sets."""
    return tuple(sorted(p.stem for p in _params_dir().glob("*.yaml")))


def parse_rule_file(path: str | Path) -> RuleSet:
    """Parse and validate one rule file (bundled or a user's own)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"rule file {p}: cannot be read ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"rule file {p}: not valid YAML ({exc})") from None
    rs = _parse(doc, str(p))
    return rs


@cache
def load_rule_set(name: str) -> RuleSet:
    """Load the bundled rule set ``name`` (validated against the schema; cached)."""
    known = available_rule_sets()
    if name not in known:
        raise RuleError(f"unknown rule set {name!r}; known rule sets: {', '.join(known)}")
    rs = parse_rule_file(_params_dir() / f"{name}.yaml")
    if rs.name != name:
        raise RuleError(f"rule file {rs.path}: key 'name' is {rs.name!r} but the file is {name}.yaml")
    return rs
