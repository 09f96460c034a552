"""Use cases: one function per action, shared by the API, the web UI and the CLI.

Each function takes a :class:`~regcoord.service.usecases._context.Ctx` (session,
principal, the time of the call and the region tree), checks authorization with the pure
policy :func:`regcoord.agreements.can` on the object loaded from the database, applies
the pure domain, and writes the audit event in the same transaction. Callers commit.
"""

from regcoord.service.usecases._context import Ctx

__all__ = ["Ctx"]
