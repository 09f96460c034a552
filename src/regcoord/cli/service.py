"""``regcoord serve | db | users | audit``: run and administer the coordination service."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regcoord.cli._output import console, err_console, print_json, user_errors
from regcoord.errors import DataError

if TYPE_CHECKING:
    from regcoord.service.config import Settings

db_app = typer.Typer(help="Database migrations. 数据库迁移。", no_args_is_help=True)
users_app = typer.Typer(help="User accounts of the service. 服务用户。", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log. 审计日志（哈希链）。", no_args_is_help=True)


def _settings() -> Settings:
    from regcoord.service.config import Settings

    return Settings.from_env()


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load demo users and instruments. 加载示例数据。")
    ] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on. 监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port. 端口。")] = 8000,
) -> None:
    """Migrate the database and start the service (OpenAPI at /openapi.json). 迁移数据库并启动服务。"""
    with user_errors():
        import uvicorn

        from regcoord.service import migrate
        from regcoord.service.app import create_app

        settings = _settings()
        migrate.upgrade(settings.database_url)
        app = create_app(settings)
        if demo:
            from regcoord.service.demo import load_demo

            info = load_demo(app.state.sessions)
            if info["loaded"]:
                err_console.print(
                    f"demo users / 示例用户: {', '.join(info['users'])} — password / 密码: {info['password']}"
                )
        err_console.print(f"database / 数据库: {settings.database_url}")
        uvicorn.run(app, host=host, port=port, log_level="info")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision. 目标版本。")] = "head") -> None:
    """Migrate the database up. 升级数据库。"""
    with user_errors():
        from regcoord.service import migrate

        url = _settings().database_url
        migrate.upgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)} / 数据库已升级")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision. 目标版本。")] = "base",
) -> None:
    """Migrate the database down (default: remove everything). 降级数据库。"""
    with user_errors():
        from regcoord.service import migrate

        url = _settings().database_url
        migrate.downgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)} / 数据库已降级")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name. 用户名。")],
    role: Annotated[str, typer.Option(help="admin | reviewer | officer | participant | public. 角色。")],
    region: Annotated[str | None, typer.Option(help="Region code (officers, reviewers). 地区代码。")] = None,
    actor_kind: Annotated[
        str | None, typer.Option(help="Create an actor of this kind for the user. 主体类别。")
    ] = None,
    actor_name: Annotated[str | None, typer.Option(help="Name of that actor. 主体名称。")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Password. 密码。")
    ] = "",
) -> None:
    """Add a user (and optionally its actor). 新增用户。"""
    with user_errors():
        from regcoord.service import migrate
        from regcoord.service.db import make_engine, make_sessionmaker
        from regcoord.service.usecases import Ctx, actors
        from regcoord.service.usecases._context import region_tree, system_principal

        url = _settings().database_url
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as s:
                ctx = Ctx(s, system_principal(), datetime.now(UTC), region_tree())
                actor_id = None
                if actor_kind:
                    actor_id = actors.create_actor(
                        ctx, name=actor_name or username, kind=actor_kind, region_code=region or "CN"
                    ).id
                u = actors.create_user(
                    ctx,
                    username=username,
                    password=password,
                    role=role,
                    region_code=region,
                    actor_id=actor_id,
                )
                s.commit()
                print_json(actors.user_out(u))
        finally:
            engine.dispose()


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint exported by 'audit checkpoint' that must still hold. 检查点文件。"),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Walk the whole chain from the genesis (the scheduled job). 从创世事件完整校验（定时任务）。",
        ),
    ] = False,
) -> None:
    """Verify the audit hash chain from the last signed checkpoint (``--full``: from the genesis),
    then record the verified head as a new signed checkpoint; exit 1 if it is broken.
    Checkpoints are signed with REGCOORD_SECRET_KEY and recorded only when it is set.
    从最近的签名检查点增量校验审计链（--full：完整校验），并记录新的检查点。"""
    import os

    with user_errors():
        from regcoord.service import audit
        from regcoord.service.db import make_engine, make_sessionmaker

        cp = None
        if checkpoint is not None:
            try:
                cp = json.loads(checkpoint.read_text(encoding="utf-8"))
                int(cp["seq"]), str(cp["hash"])
            except (OSError, ValueError, KeyError, TypeError):
                raise DataError(
                    "not a checkpoint file", source=str(checkpoint), expected='{"seq": N, "hash": "..."}'
                ) from None
        settings = _settings()
        engine = make_engine(settings.database_url)
        try:
            with make_sessionmaker(engine)() as s:
                if full:
                    check = audit.verify(s, cp)
                else:
                    check = audit.verify_incremental(s, settings.secret_key)
                    if check.ok and cp is not None:
                        check = audit.verify_against(s, check, cp)
                if os.environ.get("REGCOORD_SECRET_KEY"):
                    audit.record_checkpoint(
                        s, settings.secret_key, check, kind="full" if full else "incremental"
                    )
                    s.commit()
                else:
                    err_console.print(
                        "REGCOORD_SECRET_KEY is not set: no checkpoint recorded / 未设置密钥，未记录检查点"
                    )
        finally:
            engine.dispose()
    print_json(check)
    if not check.ok:
        err_console.print(f"[bold red]audit chain broken at seq {check.first_bad_seq}:[/] {check.problem}")
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Print the head of the chain (seq, hash) as JSON, to keep outside the database. 导出检查点。"""
    with user_errors():
        from regcoord.service import audit
        from regcoord.service.db import make_engine, make_sessionmaker

        engine = make_engine(_settings().database_url)
        try:
            with make_sessionmaker(engine)() as s:
                cp = audit.checkpoint(s)
        finally:
            engine.dispose()
    print_json(cp)


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``db``, ``users`` and ``audit`` to the main command line."""
    app.command("serve", help="Migrate and start the coordination service. 迁移数据库并启动协调服务。")(serve)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
