"""The offline planner: a small grammar that turns a question into tool calls."""
