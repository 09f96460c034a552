"""Cost of checking the money rows sealed in the audit chain (issue 8), against the chain check.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_row_hashes            # 20,000 payment orders
    .venv/bin/python -m benchmarks.bench_row_hashes --rows 5000

Setup: a fresh, migrated SQLite file in a temporary directory; ``--rows`` synthetic payment
orders of one instrument (amounts drawn with a fixed seed; not real data), each written with
its sealing audit event (:func:`regcoord.service.usecases._context.seal`), i.e. one sealed
row per audit event. Measured, best of three: :func:`regcoord.service.row_hashes.verify_rows`
(recompute every row's content hash and compare it with the latest sealed one) and the
peer, the hash-chain check of :mod:`regcoord.service.audit` over the same events; the ratio
row check / chain check says what sealing the money rows adds to ``regcoord audit verify``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks._record import record, table
from regcoord.service import audit, migrate, row_hashes
from regcoord.service.db import make_engine, make_sessionmaker
from regcoord.service.db import models as m
from regcoord.service.usecases import Ctx
from regcoord.service.usecases._context import region_tree, seal, system_principal


def build(url: str, n: int) -> None:
    migrate.upgrade(url)
    eng = make_engine(url)
    rng = random.Random(8)
    now = datetime(2025, 3, 1, tzinfo=UTC)
    try:
        with make_sessionmaker(eng)() as s:
            ctx = Ctx(s, system_principal(), now, region_tree())
            inst = m.Instrument(
                kind="agreement",
                title="benchmark (synthetic)",
                state="in_force",
                proposer_region="33",
                created_at=now,
                updated_at=now,
            )
            s.add(inst)
            s.flush()
            for i in range(n):
                pay = m.Payment(
                    instrument_id=inst.id,
                    kind="compensation",
                    payer="33",
                    payee="34",
                    amount_fen=rng.randint(1, 10**12),
                    period_end=date(2024, 12, 31),
                    status="due",
                    trace={"i": i},
                    created_at=now,
                )
                s.add(pay)
                seal(ctx, "payment.order", pay, {"i": i})
                if i % 1000 == 999:
                    s.commit()
            s.commit()
    finally:
        eng.dispose()


def best_of(fn: object, k: int = 3) -> float:
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=20_000, help="sealed payment orders (default 20,000)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        t0 = time.perf_counter()
        build(url, args.rows)
        setup = time.perf_counter() - t0
        eng = make_engine(url)
        try:
            with make_sessionmaker(eng)() as s:
                rows_check = row_hashes.verify_rows(s)
                chain_check = audit._verify_chain(s)
                assert rows_check.ok and chain_check.ok, (rows_check, chain_check)
                t_rows = best_of(lambda: row_hashes.verify_rows(s))
                t_chain = best_of(lambda: audit._verify_chain(s))
        finally:
            eng.dispose()
    rows = [
        {
            "sealed rows": f"{rows_check.n_rows:,}",
            "audit events": f"{chain_check.n_events:,}",
            "row check (s)": f"{t_rows:.3f}",
            "chain check (s)": f"{t_chain:.3f}",
            "ratio row / chain": f"{t_rows / t_chain:.2f}",
            "µs per row": f"{t_rows / rows_check.n_rows * 1e6:.1f}",
        }
    ]
    md = (
        "## Sealed money rows: `regcoord audit verify` row check (SQLite)\n\n"
        "`benchmarks/bench_row_hashes.py`: synthetic payment orders, each sealed by its audit event; "
        "best of three. The peer is the hash-chain check over the same events (the row check runs "
        f"after it in `audit verify`). Setup (writing the rows) took {setup:.1f} s.\n\n" + table(rows)
    )
    print(md)
    record("row-hashes", md)


if __name__ == "__main__":
    main()
