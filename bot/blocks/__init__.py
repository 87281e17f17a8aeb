"""Pure builders from domain objects to Block Kit (slack_sdk.models), each with a text fallback."""
