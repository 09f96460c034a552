"""Start the real service in a subprocess on a free loopback port (durability tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, log: Path, *, timeout: float = 30.0) -> subprocess.Popen[bytes]:
    """`regcoord serve` on ``url``; returns once /healthz answers (``timeout`` seconds at most)."""
    env = {**os.environ, "REGCOORD_DATABASE_URL": url, "REGCOORD_SECRET_KEY": "k" * 32}
    proc = subprocess.Popen(
        [sys.executable, "-m", "regcoord.cli.app", "serve", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start: {log.read_text()[-2000:]}")
