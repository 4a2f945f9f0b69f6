"""The chat page through Streamlit's AppTest: ask, answer, follow up, isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

HOME = str(Path(__file__).resolve().parents[2] / "Home.py")
TIMEOUT = 60


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKET_PARSER_DATA_DIR", str(tmp_path))
    for name in ("OPENAI_API_KEY", "TRADIER_API_KEY", "POLYGON_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def open_page() -> AppTest:
        app = AppTest.from_file(HOME, default_timeout=TIMEOUT)
        app.run()
        assert not app.exception, app.exception
        return app

    return open_page


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question).run()
    assert not app.exception, app.exception
    return app


def assistant_texts(app: AppTest) -> list[str]:
    texts = []
    for message in app.chat_message:
        if message.name == "assistant":
            texts.append(" ".join(md.value for md in message.markdown))
    return texts


def test_page_shows_input_and_examples(page):
    """A fresh page has the chat input, a title and example questions."""
    app = page()
    assert app.title[0].value == "Market Parser"
    assert len(app.chat_input) == 1
    labels = [button.label for button in app.sidebar.button]
    assert "What is Apple's stock price?" in labels


def test_ask_shows_answer_with_footer(page):
    """Asking shows the user's question, the answer and a footer with the model."""
    app = ask(page(), "What did Microsoft close at yesterday?")
    users = [m for m in app.chat_message if m.name == "user"]
    assert users[0].markdown[0].value == "What did Microsoft close at yesterday?"
    assert "$27.80" in assistant_texts(app)[0]
    captions = " ".join(c.value for c in app.caption)
    assert "offline-planner" in captions
    assert "Offline sample data" in captions
    assert "as of 2013-02-28" in captions


def test_follow_up_keeps_the_ticker(page):
    """After a question about MSFT, 'and its RSI?' answers for MSFT."""
    app = ask(page(), "How did MSFT do last week?")
    app = ask(app, "and its RSI?")
    texts = assistant_texts(app)
    assert len(texts) == 2
    assert "**MSFT** technicals" in texts[1]
    assert "RSI(14)" in texts[1]


def test_two_sessions_are_isolated(page):
    """A second browser session sees neither the first one's messages nor memory."""
    first = ask(page(), "How did IBM do last week?")
    second = page()
    assert len(second.chat_message) == 0
    second = ask(second, "and its RSI?")
    assert "Which ticker" in assistant_texts(second)[0]
    assert first.session_state["session_id"] != second.session_state["session_id"]


def test_options_answer_has_a_table(page):
    """An options answer is followed by a table of the contracts, marked modeled."""
    app = ask(page(), "AAPL puts for the nearest expiration")
    assert len(app.dataframe) == 1
    table = app.dataframe[0].value
    assert set(table["type"]) == {"put"}
    assert "modeled prices, not market quotes" in app.expander[0].label
    assert "volume" not in table.columns


def test_example_button_asks_it(page):
    """Clicking an example question asks it."""
    app = page()
    button = next(b for b in app.sidebar.button if b.label == "RSI and MACD for IBM")
    button.click().run()
    assert "RSI(14)" in assistant_texts(app)[0]


def test_earlier_answers_are_replayed_not_rebuilt(page, monkeypatch):
    """Each answer is drawn once; later runs of the page replay its chart and table."""
    from market_parser.ui import chat

    drawn: list[str] = []
    draw = chat.draw_answer

    def counting(answer, key):
        drawn.append(answer.text)
        draw(answer, key)

    monkeypatch.setattr(chat, "draw_answer", counting)
    app = page()
    for question in (
        "How did MSFT do last week?",
        "AAPL puts for the nearest expiration",
        "RSI and MACD for IBM",
    ):
        app = ask(app, question)
    assert len(drawn) == 3
    # Every answer is still on the page, with its charts and its table.
    assert len(assistant_texts(app)) == 3
    charts = app.get("plotly_chart")
    assert len(charts) == 2
    assert "MSFT daily prices" in charts[0].proto.spec
    assert "IBM daily prices" in charts[1].proto.spec
    assert len(app.dataframe) == 1


def test_successive_questions_keep_their_order(page):
    """Two questions in a row: both answered, each under its own question."""
    app = page()
    app.chat_input[0].set_value("What did Microsoft close at yesterday?").run()
    app.chat_input[0].set_value("How did IBM do last week?").run()
    texts = assistant_texts(app)
    assert len(texts) == 2
    assert "$27.80" in texts[0]
    assert "IBM" in texts[1]


def test_page_keeps_the_last_questions(page, monkeypatch):
    """Past the page's limit the oldest question leaves, and the page says so."""
    from market_parser.ui import limits

    monkeypatch.setattr(limits, "SHOWN_QUESTIONS", 2)
    app = page()
    for question in (
        "What did Microsoft close at yesterday?",
        "How did IBM do last week?",
        "What is Apple's stock price?",
    ):
        app = ask(app, question)
    users = [m.markdown[0].value for m in app.chat_message if m.name == "user"]
    assert users == ["How did IBM do last week?", "What is Apple's stock price?"]
    assert "IBM" in assistant_texts(app)[0]
    captions = [c.value for c in app.caption]
    assert (
        "1 earlier question of this conversation is no longer shown; "
        "the page keeps the last 2." in captions
    )
    app.sidebar.button[-1].click().run()
    assert len(app.chat_message) == 0
    assert not any("no longer shown" in c.value for c in app.caption)
