"""Configuration: the settings object and how it is loaded."""
