"""The load test's parts; ``scripts/loadtest.py`` is the command that runs them."""
