"""The health sidecar: a small HTTP server beside the app for probes and scrapes.

It runs in its own process and imports only the standard library and the
snapshot and exposition modules, so it starts in a fraction of a second and
keeps answering while the app is busy, restarting or gone.
"""
