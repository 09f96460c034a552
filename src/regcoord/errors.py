"""One exception hierarchy for the whole package.

Messages say *what* went wrong, *where* (file, row, column, field) and *what was
expected*, so that the CLI and the service can show them to a user as they are.
"""

from __future__ import annotations


class RegcoordError(ValueError):
    """Base class of every error regcoord raises on purpose."""


class DataError(RegcoordError):
    """Bad input data: names the source, row, column and the problem.

    Attributes are kept so that callers (CLI, service) can render a structured message.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.row = row
        self.column = column
        self.expected = expected
        where = []
        if source is not None:
            where.append(f"file {source}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        text = problem
        if where:
            text = f"{', '.join(where)}: {problem}"
        if expected is not None:
            text = f"{text} (expected {expected})"
        super().__init__(text)


class RuleError(RegcoordError):
    """A rule set is unknown, malformed, or has no values valid on the requested date."""


class ConflictError(RegcoordError):
    """A state transition or update conflicts with the current state."""


class PermissionDenied(RegcoordError):
    """The principal may not perform this action on this object."""


class NotFound(RegcoordError):
    """The requested object does not exist (or is not visible to the principal)."""
