"""``python -m market_parser``: see `market_parser.cli`."""

import sys

from market_parser.cli import main

sys.exit(main())
