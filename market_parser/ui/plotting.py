"""Plotly and pandas, imported once, safely, from any page script thread.

Streamlit runs each session's script in its own thread. Two sessions drawing
their first chart or table at the same moment would both start importing
pandas, and one can get the module half initialized ("partially initialized
module 'pandas' has no attribute 'Series'"). The first import happens here,
under a lock; later calls find the modules ready.
"""

from __future__ import annotations

import threading
from types import ModuleType

_lock = threading.Lock()
_graph_objects: ModuleType | None = None


def graph_objects() -> ModuleType:
    """``plotly.graph_objects``, with pandas fully imported first."""
    global _graph_objects
    if _graph_objects is None:
        with _lock:
            if _graph_objects is None:
                import pandas  # noqa: F401  (plotly and st.dataframe need it whole)
                import plotly.graph_objects as go

                _graph_objects = go
    return _graph_objects
