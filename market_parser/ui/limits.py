"""Limits of the chat page that tools outside Streamlit need to know too."""

# Questions (with their answers) a page keeps; older ones leave the page. The
# load test's websocket client counts answers up to this many.
SHOWN_QUESTIONS = 25
