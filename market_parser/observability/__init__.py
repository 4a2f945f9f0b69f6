"""Logs, metrics, resource sampling, history, alerts and health for the running app."""
