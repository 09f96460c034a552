"""Values computed by an engine from reported measurements (the service holds no formula).

A clause may carry an *assessment*: the name of an engine of :mod:`regcoord.compensation`
and its parameters. A KPI report for such a clause gives the measurements; the engine
computes the value that is judged against the obligation. Engine:

- ``xinan_p_index``: the Xin'an River assessment index
  ``P = k0 * sum_i k_i * C_i / C_i0`` (:func:`regcoord.compensation.p_index`) from the
  measured concentrations ``C_i``, the agreed baselines ``C_i0``, weights ``k_i`` and the
  stability coefficient ``k0`` (domain/compensation-and-transfers.md §1; the round-1
  weights and k0 are unverified [U], so they are parameters the parties enter).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from regcoord.errors import DataError

ENGINES = ("xinan_p_index",)


def _texts(raw: Any, name: str, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise DataError(
            f"{name} must be a non-empty mapping", column=f"{where}.{name}", expected="{indicator: number}"
        )
    return {str(k): str(v) for k, v in raw.items()}


def validate(spec: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Check an assessment spec by running the engine on its own baselines; return it normalized."""
    from regcoord.compensation import p_index

    engine = spec.get("engine")
    if engine not in ENGINES:
        raise DataError(f"unknown engine {engine!r}", column=f"{where}.engine", expected=", ".join(ENGINES))
    out = {
        "engine": engine,
        "weights": _texts(spec.get("weights"), "weights", where),
        "baselines": _texts(spec.get("baselines"), "baselines", where),
        "k0": str(spec.get("k0", "")),
        "source": str(spec.get("source", "")),
    }
    try:
        p_index(out["baselines"], out["baselines"], weights=out["weights"], k0=out["k0"])
    except DataError as exc:
        raise DataError(exc.problem, column=f"{where}.{exc.column or 'k0'}", expected=exc.expected) from None
    return out


def compute(spec: dict[str, Any], measurements: dict[str, Any]) -> tuple[Decimal, dict[str, Any]]:
    """The engine's value for these measurements, and a record of inputs, result and trace."""
    from regcoord.compensation import p_index

    try:
        res = p_index(measurements, spec["baselines"], weights=spec["weights"], k0=spec["k0"])
    except DataError as exc:
        raise DataError(
            exc.problem,
            column=f"measurements.{exc.column}" if exc.column else "measurements",
            expected=exc.expected,
        ) from None
    return res.p, {
        "engine": spec["engine"],
        "measurements": {k: str(v) for k, v in measurements.items()},
        "result": res.to_dict(),
    }
