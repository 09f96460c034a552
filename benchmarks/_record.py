"""Write one benchmark's results into its own section of ``docs/benchmarks.md``.

Each benchmark script owns a section delimited by ``<!-- begin:NAME -->`` and
``<!-- end:NAME -->``; re-running a script replaces only its section.
"""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Run on demand (`python benchmarks/<name>.py`); each script rewrites its own section.\n"
    "Ratios compare regcoord with the named peer in the same run on the same machine.\n"
)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}"


def record(name: str, markdown: str) -> Path:
    """Replace (or append) the section ``name`` of docs/benchmarks.md with ``markdown``."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text("utf-8") if DOC.exists() else HEADER
    block = f"<!-- begin:{name} -->\n{markdown.strip()}\n\n_Machine: {machine()}_\n<!-- end:{name} -->"
    pattern = re.compile(rf"<!-- begin:{re.escape(name)} -->.*?<!-- end:{re.escape(name)} -->", re.S)
    text = (
        pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    DOC.write_text(text, "utf-8")
    return DOC


def table(rows: list[dict[str, object]]) -> str:
    """A Markdown table from a list of dicts (keys of the first row are the columns)."""
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(out)
