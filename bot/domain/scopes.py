"""The bot scopes the bot needs: those `manifest.yml` asks for, in its order.

`manifest.yml` is not installed with the package, so `sanctuary-bot doctor` compares the
token's granted scopes with this list; tests/test_manifest.py keeps the two equal.
"""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "users:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "channels:read",
    "groups:read",
)


def missing_scopes(granted: str | None) -> list[str]:
    """The needed scopes absent from Slack's `x-oauth-scopes` header value (comma-separated)."""
    held = {scope.strip() for scope in (granted or "").split(",") if scope.strip()}
    return [scope for scope in BOT_SCOPES if scope not in held]
