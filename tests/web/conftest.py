"""Fixtures of the browser tests: a live service (uvicorn subprocess, temp SQLite, demo data)
and a headless system Chromium driven by Playwright.

Chromium comes from the system packages (``/usr/bin/chromium``); the tests skip, saying
so, only when it is absent. ``playwright install`` is never used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "regcoord-demo"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"

_SERVE = """
import sys, uvicorn
from regcoord.service import migrate
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.demo import load_demo
url, port = sys.argv[1], int(sys.argv[2])
migrate.upgrade(url)
app = create_app(Settings(database_url=url, secret_key="browser-test-secret-0123456789"))
load_demo(app.state.sessions)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a service on a free loopback port, with a fresh SQLite DB and the demo data."""
    db = tmp_path_factory.mktemp("web") / "web.sqlite3"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE, f"sqlite:///{db}", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"the service did not start:\n{out}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("system Chromium /usr/bin/chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def api(live_server: str) -> Any:
    """``api(username)``: an httpx client of the JSON API with that demo user's bearer token."""

    def client(username: str) -> httpx.Client:
        r = httpx.post(
            f"{live_server}/api/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        r.raise_for_status()
        token = r.json()["access_token"]
        return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})

    return client
