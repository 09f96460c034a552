"""Use cases of actors (stakeholders) and user accounts."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from sqlalchemy import select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound
from regcoord.service.auth import check_password_strength, hash_password
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, require

E = TypeVar("E", bound=Enum)


def _member(enum: type[E], value: str, column: str, what: str) -> E:
    """The member of ``enum`` whose value is ``value``, or a :class:`DataError` listing the values."""
    try:
        return enum(value)
    except ValueError:
        raise DataError(
            f"unknown {what} {value!r}", column=column, expected=", ".join(str(x.value) for x in enum)
        ) from None


def create_actor(ctx: Ctx, *, name: str, kind: str, region_code: str, name_zh: str = "") -> m.Actor:
    require(ctx, "manage_actors", ag.PolicyObject("actor"), "actors")
    k = _member(ag.ActorKind, kind, "kind", "actor kind")
    region = ctx.tree.resolve(region_code, strict=False)
    if region is None:
        raise DataError(
            f"unknown region {region_code!r}", column="region_code", expected="a region code such as '33'"
        )
    if not name.strip():
        raise DataError("name is empty", column="name")
    a = m.Actor(name=name, name_zh=name_zh, kind=k.value, region_code=region, created_at=ctx.now)
    ctx.session.add(a)
    ctx.session.flush()
    ctx.audit("actor.create", "actor", a.id, {"name": name, "kind": k.value, "region": region})
    return a


def create_user(
    ctx: Ctx,
    *,
    username: str,
    password: str,
    role: str,
    region_code: str | None = None,
    actor_id: int | None = None,
) -> m.User:
    require(ctx, "manage_users", ag.PolicyObject("user"), "users")
    r = _member(ag.Role, role, "role", "role")
    if not username.strip() or len(username) > 80:
        raise DataError("username must be 1-80 characters", column="username")
    actor = None if actor_id is None else ctx.session.get(m.Actor, actor_id)
    check_password_strength(
        password,
        user_inputs=[username, *([] if actor is None else [actor.name, actor.name_zh]), region_code or ""],
    )
    region = None
    if region_code is not None:
        region = ctx.tree.resolve(region_code, strict=False)
        if region is None:
            raise DataError(f"unknown region {region_code!r}", column="region_code")
    if r in (ag.Role.OFFICER, ag.Role.REVIEWER) and region is None:
        raise DataError(
            f"a {r.value} must be bound to a region", column="region_code", expected="a region code"
        )
    if actor_id is not None and ctx.session.get(m.Actor, actor_id) is None:
        raise DataError(f"actor {actor_id} does not exist", column="actor_id")
    if ctx.session.scalar(select(m.User.id).where(m.User.username == username)) is not None:
        raise ConflictError(f"username {username!r} is taken")
    u = m.User(
        username=username,
        password_hash=hash_password(password),
        role=r.value,
        region_code=region,
        actor_id=actor_id,
        active=True,
        created_at=ctx.now,
    )
    ctx.session.add(u)
    ctx.session.flush()
    ctx.audit("user.create", "user", u.id, {"username": username, "role": r.value, "region": region})
    return u


def get_actor(ctx: Ctx, actor_id: int) -> m.Actor:
    a = ctx.session.get(m.Actor, actor_id)
    if a is None:
        raise NotFound(f"actor {actor_id} not found")
    return a


def actor_out(a: m.Actor) -> dict[str, object]:
    return {"id": a.id, "name": a.name, "name_zh": a.name_zh, "kind": a.kind, "region_code": a.region_code}


def user_out(u: m.User) -> dict[str, object]:
    return {
        "id": u.id,
        "username": u.username,
        "role": u.role,
        "region_code": u.region_code,
        "actor_id": u.actor_id,
    }
