"""A chat session in a headless Chromium page: what a person sees, rendering included.

Each session is a browser context of its own (so a Streamlit session of its
own) on the chat page. A question's time runs from pressing Enter in the chat
box to its answer's footer being on the page. The pages share one Chromium
driven by Playwright's async API; on a small machine Chromium's own CPU soon
dominates, which is why the websocket client is the default for many users.
"""

from __future__ import annotations

import time
from typing import Any

from loadtesting.localhost import CHROMIUM, CHROMIUM_FLAGS
from loadtesting.mix import Reply, shown_reply

CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
ASSISTANT = (
    '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
)
CAPTION = '[data-testid="stCaptionContainer"]'
PAGE_TIMEOUT_MS = 60_000
ANSWER_TIMEOUT_MS = 60_000
# How often the page is polled for the footer; it bounds the timing error.
POLL_MS = 20
# The n-th answer's text and footer once its footer is drawn, or the error box
# once the page shows one; read in one go, as the page may redraw in between.
_ANSWER_OR_ERROR = """([selector, caption, n]) => {
    const error = document.querySelector('[data-testid="stException"]');
    if (error) return {error: error.innerText};
    const message = document.querySelectorAll(selector)[n - 1];
    if (!message) return null;
    const captions = message.querySelectorAll(caption);
    const footer = captions.length ? captions[captions.length - 1].innerText : "";
    if (!/\\bref [0-9a-f]{16}$/.test(footer.trim())) return null;
    return {text: message.innerText, footer: footer};
}"""


async def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing that talks to the internet."""
    return await playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_FLAGS
    )


class BrowserSession:
    """One chat page in its own browser context."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser = browser
        self.url = url
        self.asked = 0
        self._context: Any = None
        self._page: Any = None

    async def open(self) -> None:
        self._context = await self.browser.new_context()
        self._page = await self._context.new_page()
        await self._page.goto(
            self.url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS
        )
        await self._page.locator(CHAT_INPUT).wait_for(timeout=PAGE_TIMEOUT_MS)

    async def ask(self, text: str) -> tuple[Reply, float]:
        """Ask one question; time Enter to its footer on the page."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        self.asked += 1
        box = self._page.locator(CHAT_INPUT)
        await box.fill(text)
        started = time.perf_counter()
        await box.press("Enter")
        try:
            found = await self._page.wait_for_function(
                _ANSWER_OR_ERROR,
                arg=[ASSISTANT, CAPTION, self.asked],
                polling=POLL_MS,
                timeout=ANSWER_TIMEOUT_MS,
            )
        except PlaywrightTimeout:
            return Reply("", "timeout", "BrowserTimeout"), time.perf_counter() - started
        elapsed = time.perf_counter() - started

        return _reply(await found.json_value()), elapsed

    async def close(self) -> None:
        if self._context is not None:
            await self._context.close()


def _reply(found: dict[str, str]) -> Reply:
    if "error" in found:
        return Reply(found["error"], "failed", "ScriptException")
    return shown_reply(found["text"], found["footer"])
