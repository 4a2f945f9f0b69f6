"""A real Streamlit server and a real headless Chromium for page tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from loadtesting import localhost

ROOT = Path(__file__).resolve().parents[2]


CHROMIUM = shutil.which("chromium") or localhost.CHROMIUM


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:
    """A Streamlit server running Home.py offline on a free loopback port."""
    port = localhost.free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.startswith("MARKET_PARSER_")
    }
    environ["MARKET_PARSER_DATA_DIR"] = str(tmp_path_factory.mktemp("browser-data"))
    log = (tmp_path_factory.mktemp("browser-logs") / "streamlit.log").open("w")
    server = subprocess.Popen(
        localhost.streamlit_command(port),
        cwd=ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        localhost.wait_healthy(url)
        yield url
    finally:
        server.terminate()
        server.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by playwright, or a skip saying why not.

    Module-scoped: playwright's sync API runs an event loop in the main thread
    while it is open, which would break later tests that call ``asyncio.run``.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=localhost.CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
