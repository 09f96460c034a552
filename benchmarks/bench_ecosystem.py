"""Officials' files and the deployable service: reader speed per format, gzip of plotly.js.

1. ``read_panel`` of one region-year table (31 regions x 30 years x 10 indicators, synthetic,
   seed 15) saved as UTF-8 CSV, GBK CSV, XLSX and XLS; XLSX compared in the same run with
   pandas' default engine openpyxl (the peer python-calamine replaces).
2. The 4.8 MB plotly.js through the service with and without ``Accept-Encoding: gzip``.

Run: ``PYTHONPATH=src:. python benchmarks/bench_ecosystem.py``
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pandas as pd
from tests.officefiles import gbk_csv, xls, xlsx

from benchmarks._record import record, table
from regcoord.data import read_panel


def best(f: Callable[[], object], n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def readers() -> list[dict[str, object]]:
    rng = np.random.default_rng(15)
    header = ["region", "year", *[f"指标{i}" for i in range(10)]]
    rows = [
        [str(11 + r), 1995 + y, *np.round(rng.lognormal(8, 1, 10), 2).tolist()]
        for r in range(31)
        for y in range(30)
    ]
    table_rows = [header, *rows]
    out = []
    with TemporaryDirectory() as d:
        files = {
            "CSV UTF-8": ("a.csv", "\n".join(",".join(map(str, r)) for r in table_rows).encode()),
            "CSV GBK": ("b.csv", gbk_csv(table_rows)),
            "XLSX": ("c.xlsx", xlsx(table_rows)),
            "XLS": ("d.xls", xls(table_rows)),
        }
        for label, (name, data) in files.items():
            path = Path(d) / name
            path.write_bytes(data)
            assert len(read_panel(path)) == 31 * 30 * 10
            out.append(
                {
                    "file (930 rows x 12 columns)": label,
                    "read_panel (s)": f"{best(lambda p=path: read_panel(p)):.3f}",
                }
            )
        xbytes = files["XLSX"][1]
        cal = best(lambda: pd.read_excel(io.BytesIO(xbytes), dtype=object, engine="calamine"))
        opx = best(lambda: pd.read_excel(io.BytesIO(xbytes), dtype=object, engine="openpyxl"))
        out.append(
            {
                "file (930 rows x 12 columns)": "XLSX parse only: calamine vs openpyxl",
                "read_panel (s)": f"{cal:.3f} vs {opx:.3f} ({opx / cal:.1f}x)",
            }
        )
    return out


def plotly_gzip() -> list[dict[str, object]]:
    from fastapi.testclient import TestClient

    from regcoord.service.app import create_app
    from regcoord.service.config import Settings

    with TemporaryDirectory() as d:
        app = create_app(Settings(database_url=f"sqlite:///{d}/x.sqlite3", secret_key="b" * 32))
        rows = []
        with TestClient(app) as c:
            for enc in ("identity", "gzip"):
                url, h = "/static/vendor/plotly.min.js", {"Accept-Encoding": enc}
                with c.stream("GET", url, headers=h) as r:
                    size = len(b"".join(r.iter_raw()))
                secs = best(lambda u=url, hh=h: c.get(u, headers=hh))
                rows.append(
                    {"plotly.min.js": enc, "bytes sent": f"{size:,}", "time per request (s)": f"{secs:.3f}"}
                )
        app.state.engine.dispose()
    return rows


def main() -> None:
    md = "## Officials' files and service transfer size (`regcoord.data.read_bytes`, GZip)\n\n"
    md += "Synthetic region-year table (seed 15) saved four ways (tests/officefiles.py); best of 3.\n\n"
    md += table(readers()) + "\n\n"
    md += "plotly.js through the service (TestClient, GZip level 6), best of 3:\n\n" + table(plotly_gzip())
    print(md)
    record("ecosystem", md)


if __name__ == "__main__":
    main()
