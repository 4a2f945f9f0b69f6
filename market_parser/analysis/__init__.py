"""Analysis: indicators and period performance computed locally from bars."""
