"""Explanation traces: every input, parameter (with source and validity) and intermediate value.

A calculator that produces money builds a :class:`Trace` step by step and stores it on
its frozen result, so that a reader can follow how the amount came about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from regcoord._display import FrameHTML
from regcoord.rules._model import ParameterValue, _jsonable

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step: ``kind`` is ``input``, ``parameter``, ``value`` or ``decision``."""

    kind: str
    name: str
    value: Any
    unit: str = ""
    formula: str = ""
    source: str = ""
    label: str = ""
    verified: bool | None = None
    valid: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "value": _jsonable(self.value),
            "unit": self.unit,
            "formula": self.formula,
            "source": self.source,
            "label": self.label,
            "verified": self.verified,
            "valid": self.valid,
            "note": self.note,
        }


class TraceBuilder:
    """Collects steps in order; ``build()`` freezes them into a :class:`Trace`."""

    def __init__(self) -> None:
        self._steps: list[TraceStep] = []

    def input(self, name: str, value: Any, unit: str = "", note: str = "") -> Any:
        self._steps.append(TraceStep("input", name, value, unit=unit, note=note))
        return value

    def parameter(self, p: ParameterValue, name: str | None = None) -> Any:
        self._steps.append(
            TraceStep(
                "parameter",
                name or f"{p.rule_set}.{p.name}",
                p.value,
                unit=p.unit,
                source=str(p.source),
                label=p.label,
                verified=p.verified,
                valid=p.validity,
                note=p.note,
            )
        )
        return p.value

    def user_parameter(self, name: str, value: Any, unit: str = "", note: str = "") -> Any:
        self._steps.append(
            TraceStep("parameter", name, value, unit=unit, source="user parameter", label="user", note=note)
        )
        return value

    def value(self, name: str, value: Any, formula: str = "", unit: str = "", note: str = "") -> Any:
        self._steps.append(TraceStep("value", name, value, unit=unit, formula=formula, note=note))
        return value

    def decision(self, name: str, value: Any, formula: str = "", note: str = "") -> Any:
        self._steps.append(TraceStep("decision", name, value, formula=formula, note=note))
        return value

    def build(self) -> Trace:
        return Trace(tuple(self._steps))


@dataclass(frozen=True, slots=True)
class Trace(FrameHTML):
    """The ordered steps of one calculation."""

    steps: tuple[TraceStep, ...]

    def __iter__(self) -> Iterator[TraceStep]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def find(self, name: str) -> TraceStep:
        """The first step called ``name`` (KeyError if none)."""
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.steps]

    def to_frame(self) -> pd.DataFrame:
        """One row per step (values as text where they are not plain numbers)."""
        import pandas as pd  # rules itself needs only the standard library and PyYAML

        rows = [s.to_dict() for s in self.steps]
        for r in rows:
            v = r["value"]
            r["value"] = v if isinstance(v, str | int | float | bool) or v is None else str(v)
            if r["verified"] is None:
                r["verified"] = ""
        return pd.DataFrame(rows, columns=list(TraceStep.__slots__))


def decimal_text(value: Decimal) -> str:
    """A Decimal as plain text (no exponent)."""
    return format(value, "f")
