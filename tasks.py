#!/usr/bin/env python3
"""Set-up and run regcoord from a fresh clone with nothing but Python.

    python3 tasks.py main   # create .venv, install, start the service with demo data (SQLite)
    python3 tasks.py test   # create .venv, install, run the whole test suite
    python3 tasks.py lint   # ruff, mypy on src/, import-linter contracts
    python3 tasks.py docs   # build the documentation site into site/ (mkdocs --strict: warnings fail)

Each command creates the virtual environment ``.venv`` and installs the package with its
extras when needed (again whenever ``pyproject.toml`` changes).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".regcoord-installed"


def _run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def ensure_env() -> None:
    if not PY.exists():
        print(f"creating virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    rc = _run(PY, "-m", "pip", "install", "--upgrade", "pip")
    rc = rc or _run(PY, "-m", "pip", "install", "-e", f"{ROOT}[service,maps,dev]")
    if rc:
        sys.exit(rc)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("main", "test", "lint", "docs"):
        print(__doc__)
        return 2
    ensure_env()
    cmd, rest = argv[0], argv[1:]
    if cmd == "main":
        return _run(BIN / "regcoord", "serve", "--demo", *rest)
    if cmd == "test":
        return _run(PY, "-m", "pytest", *rest)
    if cmd == "docs":  # tutorials run their code at build time (markdown-exec)
        return _run(PY, "-m", "mkdocs", "build", "--strict", *rest)
    rc = _run(PY, "-m", "ruff", "check", "src", "tests", "benchmarks", "tasks.py")
    rc = _run(PY, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "tasks.py") or rc
    rc = _run(PY, "-m", "mypy", "src") or rc
    return _run(BIN / "lint-imports", "pyproject.toml") or rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
