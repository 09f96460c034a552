"""regcoord: regional interest coordination.

Measure how unevenly regions develop, compute what regions owe each other, and run the
coordination loop (interest expression, agreements, monitoring, disputes, revision).

The numerical packages (``regions``, ``data``, ``measure``, ``games``, ``compensation``,
``transfers``, ``rules``, ``agreements``, ``trading``) are pure: arrays, dataclasses and
files in, results out.  ``report``, ``service`` and ``cli`` are thin layers over them.

The main entry points are available from the top level (imported on first use, so that
``import regcoord`` stays light)::

    >>> import regcoord
    >>> panel = regcoord.load_panel("china")
    >>> round(regcoord.gini(panel.matrix("gdp", years=[2023])).scalar, 4)
    0.4137
"""

from importlib import import_module
from importlib import metadata as _metadata
from typing import Any

from regcoord.errors import (
    ConflictError,
    DataError,
    NotFound,
    PermissionDenied,
    RegcoordError,
    RuleError,
)

try:  # one source for the version: the installed package metadata (pyproject.toml)
    __version__ = _metadata.version("regcoord")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

#: the main entry points: name -> module that defines it (PEP 562 lazy attributes)
_ENTRY_POINTS: dict[str, str] = {
    # data
    "load_panel": "regcoord.data",
    "read_panel": "regcoord.data",
    "panel_from_frame": "regcoord.data",
    "list_datasets": "regcoord.data",
    "Panel": "regcoord.data",
    "PanelMatrix": "regcoord.data",
    # measuring
    "inequality": "regcoord.measure.inequality",
    "gini": "regcoord.measure",
    "theil_t": "regcoord.measure",
    "theil_l": "regcoord.measure",
    "williamson_cv": "regcoord.measure",
    "generalized_entropy": "regcoord.measure",
    "theil_decomposition": "regcoord.measure",
    "ge_decomposition": "regcoord.measure",
    "gini_decomposition": "regcoord.measure",
    "sigma_convergence": "regcoord.measure",
    "beta_convergence": "regcoord.measure",
    "markov_transitions": "regcoord.measure",
    "convergence_clubs": "regcoord.measure",
    "composite_index": "regcoord.measure",
    "early_warning": "regcoord.measure",
    # games and allocation
    "TUGame": "regcoord.games.cooperative",
    "shapley": "regcoord.games.cooperative",
    "nucleolus": "regcoord.games.cooperative",
    "nash_bargaining": "regcoord.games.cooperative",
    "allocate_budget": "regcoord.transfers",
    "xinan_settlement": "regcoord.compensation",
    "ecosystem_service_value": "regcoord.compensation",
    # regions
    "china": "regcoord.regions",
}


def __getattr__(name: str) -> Any:
    if name in _ENTRY_POINTS:
        value = getattr(import_module(_ENTRY_POINTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'regcoord' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_ENTRY_POINTS])


__all__ = [
    *sorted(_ENTRY_POINTS),
    "ConflictError",
    "DataError",
    "NotFound",
    "PermissionDenied",
    "RegcoordError",
    "RuleError",
    "__version__",
]
