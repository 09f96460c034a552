"""The coordination service: FastAPI + SQLAlchemy 2 + Alembic on SQLite or PostgreSQL.

- :mod:`.app` builds the application (``create_app``); :mod:`.config` reads ``REGCOORD_*``;
- :mod:`.usecases` holds one function per action (shared by API, web UI and CLI), calling
  the pure :mod:`regcoord.agreements` domain and writing the hash-chained :mod:`.audit`
  log in the same transaction;
- :mod:`.api` has one router per resource; :mod:`.db` the models; :mod:`.migrations` the
  Alembic scripts (run by :mod:`.migrate`); :mod:`.demo` the ``serve --demo`` data.
"""
