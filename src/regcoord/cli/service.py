"""``regcoord serve | db | users | audit``: run and administer the coordination service."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from regcoord.cli._output import console, err_console, print_json, service_errors
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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes (PostgreSQL and a fixed REGCOORD_SECRET_KEY when more than 1). 工作进程数。",
        ),
    ] = 1,
) -> None:
    """Migrate the database and start the service (OpenAPI at /openapi.json). 迁移数据库并启动服务。"""
    with service_errors():
        import uvicorn

        from regcoord.service import migrate
        from regcoord.service.app import create_app
        from regcoord.service.observability import configure_logging

        settings = _settings()
        check_workers(workers, settings.database_url, secret_given="secret_key" in settings.model_fields_set)
        configure_logging(settings.log_format)
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
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True)
        else:
            app.state.engine.dispose()
            uvicorn.run(
                "regcoord.service.observability:worker_app",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_config=None,
                proxy_headers=True,
                # a worker imports numpy, pandas and SciPy before it answers the supervisor's
                # ping: uvicorn's 5 s default restarts workers in a loop on a busy host
                timeout_worker_healthcheck=60,
            )


def check_workers(workers: int, database_url: str, *, secret_given: bool) -> None:
    """More than one worker needs PostgreSQL (SQLite serialises writers) and a fixed secret key."""
    from regcoord.service.db import is_sqlite

    if workers > 1 and is_sqlite(database_url):
        raise DataError(
            f"--workers {workers} with SQLite",
            column="--workers",
            expected="--workers 1 with SQLite, or a PostgreSQL REGCOORD_DATABASE_URL",
        )
    if workers > 1 and not secret_given:
        raise DataError(
            f"--workers {workers} without REGCOORD_SECRET_KEY",
            column="REGCOORD_SECRET_KEY",
            expected="one secret shared by all workers (environment, .env or secrets directory)",
        )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision. 目标版本。")] = "head") -> None:
    """Migrate the database up. 升级数据库。"""
    with service_errors():
        from regcoord.service import migrate

        url = _settings().database_url
        migrate.upgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)} / 数据库已升级")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision. 目标版本。")] = "base",
) -> None:
    """Migrate the database down (default: remove everything). 降级数据库。"""
    with service_errors():
        from regcoord.service import migrate

        url = _settings().database_url
        migrate.downgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)} / 数据库已降级")


@db_app.command("roles")
def db_roles(
    role: Annotated[
        str, typer.Argument(help="Name of the service's role. 服务使用的数据库角色。")
    ] = "regcoord_app",
    apply: Annotated[
        bool, typer.Option("--apply", help="Run the statements as the owner (else print them). 执行。")
    ] = False,
    password: Annotated[
        str | None,
        typer.Option(help="Password of a new role (else it logs in by the server's rules). 密码。"),
    ] = None,
) -> None:
    """PostgreSQL: a least-privilege role for the service (migrations stay with the owner). 最小权限角色。"""
    with service_errors():
        from sqlalchemy.engine import make_url

        from regcoord.service.db.roles import app_role_sql, grant_app_role

        url = _settings().database_url
        if make_url(url).get_backend_name() != "postgresql":
            raise DataError(
                "roles are a PostgreSQL feature; SQLite has no users",
                column="REGCOORD_DATABASE_URL",
                expected="a postgresql+psycopg:// URL of the owner",
            )
        try:
            stmts = (
                grant_app_role(url, role, password=password)
                if apply
                else app_role_sql(role, database=str(make_url(url).database), password=password)
            )
        except ValueError as exc:
            raise DataError(str(exc), column="role") from None
        for stmt in stmts:
            console.print(stmt + ";", soft_wrap=True, highlight=False, markup=False)
        if apply:
            err_console.print(
                f"role {role} granted; run the service with it in REGCOORD_DATABASE_URL / 已授权"
            )


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
    with service_errors():
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

    with service_errors():
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
        where = (
            f"audit chain broken at seq {check.first_bad_seq}"
            if check.first_bad_seq is not None
            else "money rows differ from the hashes sealed in the audit chain"
        )
        err_console.print(f"[bold red]{where}:[/] {escape(check.problem)}", highlight=False)
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Print the head of the chain (seq, hash) as JSON, to keep outside the database. 导出检查点。"""
    with service_errors():
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
