"""Cost of market rules (price band around the previous close) on order placement, PostgreSQL.

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_trading_markets
[--orders 2000] [--rounds 3]`` (PostgreSQL at ``REGCOORD_TEST_POSTGRES_URL``; the script
creates a fresh database ``regcoord_bench_markets`` and drops it at the end).

Setup as :mod:`benchmarks.bench_trading_api` (31 provincial accounts, 1,000,000 units of
co2e:2025 each); 500 orders are placed on the previous trading day so that a previous
close exists.  Then, alternating ``--rounds`` times, ``--orders`` limit orders (random side,
1-10 units, 4,900..5,100 fen) are queued at once to a fresh matching task (no HTTP):

* **rules**: the instrument has a market (``china_carbon_market``, listed, ±10% of the
  previous close); every order is checked against the band and the opposite best price;
* **peer, no rules**: the same orders with the market removed (the engine path before
  market rules, plus one primary-key lookup).

Reported: orders/s of each (median of the rounds) and their ratio.  Every order must be
accepted (the prices lie inside any band around a close in 4,900..5,100).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from benchmarks._record import record, table
from benchmarks.bench_trading_api import INSTRUMENT, PG_URL, setup
from regcoord.regions import province_codes
from regcoord.service import migrate
from regcoord.service.db import make_engine, make_sessionmaker
from regcoord.service.db.trading_models import TradingMarket
from regcoord.service.usecases import Ctx
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import region_tree, system_principal

DB_NAME = "regcoord_bench_markets"


def _admin() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def fresh_database() -> str:
    admin = _admin()
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = sa.engine.make_url(PG_URL).set(database=DB_NAME).render_as_string(hide_password=False)
    migrate.upgrade(url)
    return url


def drop_database() -> None:
    admin = _admin()
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    admin.dispose()


def place(url: str, n: int, now: datetime, seed: int) -> float:
    """Orders/s of ``n`` orders queued at once to a fresh matching task (all must be accepted)."""
    engine = make_engine(url)
    m = uc.Matcher(make_sessionmaker(engine))
    regions = list(province_codes())

    def order(k: int) -> Any:
        rng = random.Random(seed * 100_000 + k)

        def run(c: Ctx) -> dict[str, Any]:
            return uc.place_order(
                c,
                holder=regions[k % len(regions)],
                instrument=INSTRUMENT,
                side=rng.choice(("buy", "sell")),
                quantity=rng.randint(1, 10),
                price_fen=rng.randint(4900, 5100),
            )

        return run

    t0 = time.perf_counter()
    futs = [m.submit(order(k), system_principal(), now, fast=True) for k in range(n)]
    for f in futs:
        f.result()  # raises if an order was refused
    rate = n / (time.perf_counter() - t0)
    engine.dispose()
    return rate


def set_rules(url: str, on: bool, now: datetime) -> None:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        ctx = Ctx(s, system_principal(), now, region_tree())
        if on:
            uc.set_market(
                ctx,
                instrument=INSTRUMENT,
                rule_set="china_carbon_market",
                trade_mode="listed",
                reference_price_fen=5000,
            )
        else:
            s.execute(sa.delete(TradingMarket))
        s.commit()
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=2000, help="orders per measured run (default 2000)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = ap.parse_args()
    url = fresh_database()
    try:
        setup(url, 0)
        now = datetime.now(UTC)
        place(url, 500, now - timedelta(days=1), seed=0)  # the previous trading day's trades
        rates: dict[bool, list[float]] = {True: [], False: []}
        for r in range(args.rounds):
            for on in (True, False):
                set_rules(url, on, now)
                rates[on].append(place(url, args.orders, now, seed=1 + 2 * r + on))
    finally:
        drop_database()
    with_rules, without = statistics.median(rates[True]), statistics.median(rates[False])
    rows: list[dict[str, object]] = [
        {
            "orders": "with market rules (listed band ±10%)",
            "runs": args.rounds,
            "orders/s (median)": round(with_rules),
            "all runs": ", ".join(f"{x:.0f}" for x in rates[True]),
        },
        {
            "orders": "peer: no market rules",
            "runs": args.rounds,
            "orders/s (median)": round(without),
            "all runs": ", ".join(f"{x:.0f}" for x in rates[False]),
        },
    ]
    md = (
        "## Rights trading: cost of market rules on order placement (PostgreSQL)\n\n"
        f"{args.orders} limit orders queued at once to the matching task (no HTTP), with and without "
        "the instrument's market rules (China carbon market, listed, ±10% of the previous close, "
        "which comes from 500 orders placed on the previous trading day), alternating, same run.\n\n"
        + table(rows)
        + f"\n\nWith rules / without: {with_rules / without:.2f}. Every order was accepted. "
        + "Load average after the run (1/5/15 min, machine shared with other work): "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(md)
    record("trading-markets", md)


if __name__ == "__main__":
    main()
