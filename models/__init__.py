"""Database tables, the engine and sessions, and migrations. Nothing here knows about Slack."""
