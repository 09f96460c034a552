"""regcoord: regional interest coordination.

Measure how unevenly regions develop, compute what regions owe each other, and run the
coordination loop (interest expression, agreements, monitoring, disputes, revision).

The numerical packages (``regions``, ``data``, ``measure``, ``games``, ``compensation``,
``transfers``, ``rules``, ``agreements``, ``trading``) are pure: arrays, dataclasses and
files in, results out.  ``report``, ``service`` and ``cli`` are thin layers over them.
"""

from importlib import metadata as _metadata

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

__all__ = [
    "ConflictError",
    "DataError",
    "NotFound",
    "PermissionDenied",
    "RegcoordError",
    "RuleError",
    "__version__",
]
