"""The agent: function tools over the data layer, its definition and its models."""
