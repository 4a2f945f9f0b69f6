"""The query service: the single entry point for the UI, the CLI and the scripts."""
