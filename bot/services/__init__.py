"""The review process as plain functions over a session and a clock: no Slack objects here."""
