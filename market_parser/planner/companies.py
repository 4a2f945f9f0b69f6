"""Company names and ticker symbols: which words name a ticker, and in what case.

A symbol is recognised in any case, only in capitals, or only through a
company name, depending on how easily it is mistaken for an everyday word.
"""

from __future__ import annotations

from market_parser.planner.tables import Table, phrase_key, word_set


def _names(text: str) -> dict[str, str]:
    """Read "TICKER: name, other name" lines into a name -> ticker mapping."""
    names = {}
    for line in text.strip().splitlines():
        symbol, _, spellings = line.partition(":")
        for name in spellings.split(","):
            names[name.strip()] = symbol.strip()
    return names


# Meta Platforms trades as META; the bundled 2013 data set still calls it FB, so
# "Facebook" means FB and "Meta" means META and the data layer says which exist.
# Names are written as a user should read them back ("Assuming you meant ...").
_COMPANY_NAMES = _names(
    """
    AAPL: Apple
    MSFT: Microsoft
    GOOG: Alphabet, Google
    FB: Facebook
    META: Meta, Meta Platforms
    IBM: IBM, International Business Machines
    TSLA: Tesla
    NVDA: Nvidia
    AMZN: Amazon
    NFLX: Netflix
    AMD: AMD, Advanced Micro Devices
    INTC: Intel
    SPY: S&P 500, S & P 500, S&P, SP500, SP 500, S and P 500
    QQQ: Nasdaq 100, Nasdaq-100
    DIA: Dow Jones
    IWM: Russell 2000
    ORCL: Oracle
    CSCO: Cisco
    QCOM: Qualcomm
    AVGO: Broadcom
    TXN: Texas Instruments
    MU: Micron
    ADBE: Adobe
    CRM: Salesforce
    PYPL: PayPal
    UBER: Uber
    ABNB: Airbnb
    SHOP: Shopify
    SPOT: Spotify
    PLTR: Palantir
    COIN: Coinbase
    DIS: Disney, Walt Disney
    NKE: Nike
    SBUX: Starbucks
    MCD: McDonald's, McDonalds
    KO: Coca Cola, Coke
    PEP: Pepsi, PepsiCo
    WMT: Walmart, Wal Mart
    COST: Costco
    HD: Home Depot
    JPM: JPMorgan, JP Morgan, JPMorgan Chase
    BAC: Bank of America
    WFC: Wells Fargo
    GS: Goldman Sachs, Goldman
    MS: Morgan Stanley
    C: Citigroup, Citi
    BRK.B: Berkshire, Berkshire Hathaway, BRK B
    V: Visa
    MA: Mastercard
    XOM: Exxon, Exxon Mobil, ExxonMobil
    CVX: Chevron
    BA: Boeing
    PFE: Pfizer
    MRK: Merck
    JNJ: Johnson & Johnson
    PG: Procter & Gamble
    F: Ford
    GM: General Motors
    GE: General Electric
    T: AT&T
    VZ: Verizon
    CMCSA: Comcast
    """
)
COMPANIES: Table[str] = Table(_COMPANY_NAMES)
# One-word names, to a name and symbol, for guessing what a misspelling meant.
NAME_WORDS: dict[str, tuple[str, str]] = {
    phrase_key(name)[0]: (name, symbol)
    for name, symbol in _COMPANY_NAMES.items()
    if len(phrase_key(name)) == 1
}

# Names for the whole market, which count only when the question asks something
# about them ("how did the market do"), since "the market" is everyday speech.
INDEX_NAMES: Table[str] = Table(
    {
        "the market": "SPY",
        "the stock market": "SPY",
        "the overall market": "SPY",
        "the broader market": "SPY",
        "the broad market": "SPY",
        "the dow": "DIA",
        "the nasdaq": "QQQ",
    }
)

_ETFS = "SPY QQQ DIA IWM VTI VOO IVV GLD SLV TLT XLF XLE XLK XLV ARKK SQQQ TQQQ SMH"
_STOCKS = (
    "AAPL MSFT GOOG GOOGL AMZN META FB TSLA NVDA NFLX AMD INTC IBM ORCL CSCO QCOM "
    "AVGO TXN MU ADBE CRM PYPL ABNB PLTR NKE SBUX MCD WMT JPM BAC WFC XOM CVX PFE "
    "MRK JNJ VZ CMCSA BRK.B ROKU"
)
# Symbols recognised in any case ("spy", "aapl"): none of them is an English word.
KNOWN_SYMBOLS = word_set(_ETFS) | word_set(_STOCKS)
# Symbols recognised only in capitals, because in lower case they are words or
# abbreviations ("gm", "cost", "coin").
CAPS_SYMBOLS = word_set("GM GE MS GS BA HD PG KO COST COIN SHOP SPOT SNOW PEP DIS UBER")
# Symbols reached only through a company name: one letter, or too close to a
# word ("MA" is also "moving average").
NAMED_ONLY = word_set("C V F T MA")
ALL_SYMBOLS = KNOWN_SYMBOLS | CAPS_SYMBOLS | COMPANIES.values() | INDEX_NAMES.values()
# Symbols long enough that a word one letter off them is likely a slip ("APPL").
SUGGESTED_SYMBOLS = frozenset(s for s in KNOWN_SYMBOLS | CAPS_SYMBOLS if len(s) >= 3)
