"""Home and Monitoring in a real headless Chromium against a real server."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT_MS = 60_000


def watch_errors(page) -> list[str]:
    """Collect browser console errors and uncaught page errors as they happen."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def metric_value(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]', has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_ask_on_home_then_see_it_on_monitoring(app_url, browser):
    """Ask on Home, read the answer, open Monitoring, see it counted, no errors."""
    page = browser.new_page()
    errors = watch_errors(page)
    page.goto(app_url, wait_until="domcontentloaded")
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.wait_for(timeout=ANSWER_TIMEOUT_MS)
    box.fill("What did Microsoft close at yesterday?")
    box.press("Enter")
    # The footer is the last part of an answer to render.
    answer = page.locator('[data-testid="stChatMessage"]', has_text="offline-planner")
    answer.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "$27.80" in answer.inner_text()
    assert "as of 2013-02-28" in answer.inner_text()

    page.locator('a[href$="/Monitoring"]').first.click()
    page.get_by_role("heading", name="Monitoring").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.locator('[data-testid="stMetric"]', has_text="Questions").wait_for()
    assert int(metric_value(page, "Questions")) >= 1
    assert metric_value(page, "Success rate") == "100.0%"
    # Plotly's JavaScript loads lazily, so the charts come after the cards.
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length >= 5",
        timeout=ANSWER_TIMEOUT_MS,
    )
    assert page.locator(".js-plotly-plot").count() == 5
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not re.search(r"Traceback", page.content())
    assert errors == []
    page.close()
