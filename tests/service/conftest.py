"""Fixtures of the service tests: every test runs on SQLite and on PostgreSQL.

Each test gets a fresh, migrated database: SQLite by copying a migrated template file,
PostgreSQL by ``CREATE DATABASE ... TEMPLATE`` from a migrated template database
(REGCOORD_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test;
skipped only when the server is unreachable).

On PostgreSQL the migrations run as the owner (the URL's user) and the service of the
``world`` fixture runs as the least-privilege role :data:`APP_ROLE`
(:mod:`regcoord.service.db.roles`; the grants are copied with the template), as in
production; ``World.owner_url`` is the owner's URL for tests that play an attacker with DDL
rights.
"""

from __future__ import annotations

import itertools
import os
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: "install httpx2" deprecation notice
    from fastapi.testclient import TestClient

from regcoord.service import auth as auth_mod
from regcoord.service import migrate
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.usecases import Ctx, actors
from regcoord.service.usecases._context import region_tree, system_principal

PG_URL = os.environ.get("REGCOORD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "test-password-1"
#: the service's least-privilege role in the PostgreSQL tests (created on first use)
APP_ROLE = "regcoord_app_test"
_counter = itertools.count()


def _pg_admin() -> sa.Engine | None:
    try:
        eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        return eng
    except Exception:  # unreachable server: the PostgreSQL half is skipped
        return None


def _with_db(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[sa.Engine, str] | None]:
    admin = _pg_admin()
    if admin is None:
        yield None
        return
    name = f"regcoord_svc_tmpl_{os.getpid()}"
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(_with_db(PG_URL, name))
    from regcoord.service.db.roles import grant_app_role

    grant_app_role(_with_db(PG_URL, name), APP_ROLE)
    yield admin, name
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "db.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    tmpl = request.getfixturevalue("pg_template")
    if tmpl is None:
        pytest.skip("PostgreSQL unreachable at REGCOORD_TEST_POSTGRES_URL")
    admin, tname = tmpl
    name = f"regcoord_svc_{os.getpid()}_{next(_counter)}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{tname}"'))
    yield _with_db(PG_URL, name)
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2025, 3, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now = self.now + timedelta(**kw)


#: (username, role, region, actor kind) of the standard world
WORLD = (
    ("admin", "admin", None, None),
    ("rev-cn", "reviewer", "CN", "central"),
    ("off-33", "officer", "33", "local"),
    ("off-34", "officer", "34", "local"),
    ("off-11", "officer", "11", "local"),
    ("ent-33", "participant", "33", "enterprise"),
    ("ngo-34", "participant", "34", "ngo"),
    ("res-34", "participant", "34", "resident"),
    ("eval", "participant", "11", "evaluator"),
    ("pub", "public", None, None),
)


@dataclass
class World:
    """A test service: client, clock, and a bearer token per standard user."""

    client: TestClient
    clock: Clock
    app: Any
    tokens: dict[str, str]
    url: str
    #: the database owner's URL (SQLite: the same file)
    owner_url: str = ""

    def owner_engine(self) -> sa.Engine:
        """An engine connected as the owner of the database (DDL rights), for attack scenarios."""
        return sa.create_engine(self.owner_url or self.url)

    def h(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def post(self, user: str | None, path: str, json: Any = None, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if user is not None:
            headers = {**self.h(user), **headers}
        return self.client.post(path, json=json, headers=headers, **kw)

    def get(self, path: str, user: str | None = None) -> Any:
        return self.client.get(path, headers=self.h(user) if user else {})

    def session(self) -> Any:
        return self.app.state.sessions()

    # helpers used by the test modules (importlib import mode: tests import nothing from here)
    users = tuple(u[0] for u in WORLD)

    @property
    def xinan_clause(self) -> dict[str, Any]:
        return dict(XINAN_CLAUSE)

    def new_instrument(self, **kw: Any) -> dict[str, Any]:
        return new_instrument(self, **kw)

    def to_state(self, target: str, **kw: Any) -> dict[str, Any]:
        return to_state(self, target, **kw)


_HASH: dict[str, str] = {}


@pytest.fixture
def world(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    # one argon2 hash for every test user (hashing is deliberately slow)
    if not _HASH:
        _HASH["h"] = auth_mod.hash_password(PASSWORD)
    monkeypatch.setattr(
        actors, "hash_password", lambda pw: _HASH["h"] if pw == PASSWORD else auth_mod.hash_password(pw)
    )
    clock = Clock()
    owner_url = db_url
    if not db_url.startswith("sqlite"):  # the service runs as the least-privilege role
        db_url = sa.engine.make_url(db_url).set(username=APP_ROLE).render_as_string(hide_password=False)
    app = create_app(Settings(database_url=db_url, secret_key="s" * 32), clock=clock)
    tokens: dict[str, str] = {}
    with app.state.sessions() as s:
        ctx = Ctx(s, system_principal(), clock.now, region_tree())
        for username, role, region, kind in WORLD:
            actor_id = None
            if kind:
                actor_id = actors.create_actor(ctx, name=username, kind=kind, region_code=region or "CN").id
            u = actors.create_user(
                ctx, username=username, password=PASSWORD, role=role, region_code=region, actor_id=actor_id
            )
            tokens[username] = auth_mod.issue_token(s, u, kind="api", now=clock.now, ttl_hours=24 * 365 * 10)
        s.commit()
    with TestClient(app) as client:
        yield World(client, clock, app, tokens, db_url, owner_url)
    app.state.engine.dispose()
    app.state.read_engine.dispose()


# -- building blocks for flows ----------------------------------------------------------------
XINAN_CLAUSE: dict[str, Any] = {
    "number": "2",
    "text": "If the annual water quality at Jiekou meets the standard (P <= 1) Zhejiang pays Anhui 100 million yuan.",
    "obligation": {
        "obligor": "34",
        "metric": "P index at Jiekou",
        "target": "1",
        "comparator": "<=",
        "unit": "1",
        "deadline": "2024-12-31",
        "evidence": "Jiekou monitoring report",
    },
    "breach": {
        "damages": {"fixed_fen": 10_000_000_000},
        "beneficiary": "33",
        "credit_penalty": 5,
        "reputation_notice": True,
        "force_majeure_exempt": False,
    },
    "compensation": {
        "when": "met",
        "payer": "33",
        "payee": "34",
        "amount_fen": 10_000_000_000,
        "source": "Xinhua",
    },
}


def new_instrument(
    w: World, *, user: str = "off-33", parties: tuple[str, ...] = ("33", "34"), **extra: Any
) -> dict[str, Any]:
    body = {
        "kind": "agreement",
        "title": "Xin'an River compensation",
        "parties": list(parties),
        "clauses": [{"number": "1", "text": "Central funds 300 million yuan a year."}, XINAN_CLAUSE],
        **extra,
    }
    r = w.post(user, "/api/instruments", body)
    assert r.status_code == 201, r.text
    return r.json()


def to_state(w: World, target: str, **kw: Any) -> dict[str, Any]:
    """Create an instrument of 33 and 34 and drive it through the loop up to ``target``."""
    inst = new_instrument(w, **kw)
    iid = inst["id"]
    order = ["draft", "consultation", "negotiating", "signed", "filed", "under_review", "in_force"]
    if target == "draft":
        return inst
    r = w.post(
        "off-33",
        f"/api/instruments/{iid}/consultation",
        {"closes_at": (w.clock.now + timedelta(days=10)).isoformat()},
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    if target == "consultation":
        return w.get(f"/api/instruments/{iid}", "off-33").json()
    for user in ("ent-33", "ngo-34", "res-34"):
        r = w.post(
            user,
            f"/api/consultations/{cid}/submissions",
            {"text": f"comment by {user}", "clause_number": "2"},
        )
        assert r.status_code == 201, r.text
        r = w.post("off-33", f"/api/submissions/{r.json()['id']}/answer", {"text": "answered"})
        assert r.status_code == 200, r.text
    r = w.post("off-33", f"/api/instruments/{iid}/consultation/close")
    assert r.status_code == 200, r.text
    steps = [
        ("signed", "off-33", "sign", None),
        ("signed", "off-34", "sign", None),
        ("filed", "off-33", "file", None),
        ("under_review", "rev-cn", "review/start", None),
        ("in_force", "rev-cn", "review/decision", {"approve": True, "reasons": "ok"}),
    ]
    for state, user, action, body in steps:
        if order.index(target) < order.index(state):
            break
        r = w.post(user, f"/api/instruments/{iid}/{action}", body)
        assert r.status_code == 200, r.text
    out = w.get(f"/api/instruments/{iid}", "off-33").json()
    if target in order:
        assert out["state"] == target, out["state"]
    return out
