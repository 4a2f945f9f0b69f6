"""Market Parser: the Monitoring page (health, traffic, latency, resources)."""

import streamlit as st

from market_parser.ui.bootstrap import app_observability, settings_or_stop
from market_parser.ui.dashboard import WINDOWS, build_dashboard, metrics_document
from market_parser.ui.monitoring import (
    render_cards,
    render_charts,
    render_download,
    render_status,
    render_tables,
)

st.set_page_config(page_title="Monitoring · Market Parser", layout="wide")
settings_or_stop()
observability = app_observability()

st.title("Monitoring")
st.segmented_control(
    "Window", list(WINDOWS), default="1 hour", key="window", required=True
)


@st.fragment(run_every=10)
def live_view() -> None:
    window = WINDOWS[st.session_state.get("window") or "1 hour"]
    dashboard = build_dashboard(observability, window)
    render_status(dashboard)
    render_cards(dashboard)
    render_charts(dashboard)
    render_tables(dashboard)
    render_download(metrics_document(observability))


live_view()
