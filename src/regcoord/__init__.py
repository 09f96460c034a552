"""regcoord: regional interest coordination.

Measure how unevenly regions develop, compute what regions owe each other, and run the
coordination loop (interest expression, agreements, monitoring, disputes, revision).

The numerical packages (``regions``, ``data``, ``measure``, ``games``, ``compensation``,
``transfers``, ``rules``, ``agreements``, ``trading``) are pure: arrays, dataclasses and
files in, results out.  ``report``, ``service`` and ``cli`` are thin layers over them.
"""

from regcoord.errors import (
    ConflictError,
    DataError,
    NotFound,
    PermissionDenied,
    RegcoordError,
    RuleError,
)

__version__ = "0.1.0"

__all__ = [
    "ConflictError",
    "DataError",
    "NotFound",
    "PermissionDenied",
    "RegcoordError",
    "RuleError",
    "__version__",
]
