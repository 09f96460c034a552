"""Alembic migrations of the service database (run through :mod:`regcoord.service.migrate`)."""
