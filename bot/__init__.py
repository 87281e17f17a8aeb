"""Sanctuary Network Bot: runs City of Sanctuary UK's Local Authority Network in Slack."""

__version__ = "0.1.0"
