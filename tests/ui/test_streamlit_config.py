"""The production settings in .streamlit/config.toml, as Streamlit itself reads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def options(monkeypatch):
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.startswith("STREAMLIT_"):
            monkeypatch.delenv(name)
    config.get_config_options(force_reparse=True)
    yield config.get_option
    monkeypatch.chdir("/")
    config.get_config_options(force_reparse=True)


def test_no_full_garbage_collection_after_each_page_run(options):
    """Streamlit's post-run gc.collect(2) took most of a core at 20 sessions."""
    assert options("runner.postScriptGC") is False


def test_production_server_settings(options):
    """Headless, no usage statistics, no file watching, small uploads."""
    assert options("server.headless") is True
    assert options("browser.gatherUsageStats") is False
    assert options("server.fileWatcherType") == "none"
    assert options("server.runOnSave") is False
    assert options("server.maxUploadSize") == 1
    assert options("client.showErrorDetails") == "none"
