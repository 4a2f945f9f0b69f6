"""Market Parser: plain-English stock-market questions answered from market data.

Importing the package does nothing else: no logging setup, no network, no settings.
"""

__version__ = "0.1.0"
