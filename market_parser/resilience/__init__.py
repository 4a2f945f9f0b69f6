"""Breakers, retries, rate limits, deadlines, admission control and caching."""
