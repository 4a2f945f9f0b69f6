"""Market data: provider clients (Tradier, Polygon, offline) behind one interface."""
