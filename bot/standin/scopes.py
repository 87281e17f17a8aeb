"""The scopes Slack grants the app, and which of them each Web API method needs.

An app holds exactly the bot scopes its manifest asked for when it was installed; Slack refuses
any other call with `missing_scope`. The stand-in plays that: by default it reads the project's
`manifest.yml` (a small reader for the one list it needs, so that the stand-in needs no YAML
library and imports nothing of the app), or its creator gives the scopes.
"""

from __future__ import annotations

import sys
from pathlib import Path

MANIFEST_NAME = "manifest.yml"

# Scopes needed by conversation type: public channel, private channel, DM, group DM.
_BY_TYPE = ("channels", "groups", "im", "mpim")


def history_scopes() -> tuple[str, ...]:
    return tuple(f"{kind}:history" for kind in _BY_TYPE)


def read_scopes() -> tuple[str, ...]:
    return tuple(f"{kind}:read" for kind in _BY_TYPE)


# Method -> the scopes Slack accepts for it (any one, for the right kind of conversation).
# Methods not listed need none (auth.test, chat.getPermalink, views.*).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.history": history_scopes(),
    "conversations.replies": history_scopes(),
    "conversations.info": read_scopes(),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "users.info": ("users:read",),
}


def find_manifest() -> Path | None:
    """The project's manifest.yml: beside the packages in a checkout, or where a wheel put it."""
    here = Path(__file__).resolve()
    candidates = (
        here.parents[2] / MANIFEST_NAME,
        Path(sys.prefix) / "share" / "sanctuary-network-bot" / MANIFEST_NAME,
    )
    return next((path for path in candidates if path.is_file()), None)


def manifest_scopes(path: Path | None = None) -> tuple[str, ...]:
    """The bot scopes (`oauth_config.scopes.bot`) that manifest.yml asks for, in its order."""
    path = path or find_manifest()
    if path is None:
        raise FileNotFoundError(
            f"the Slack stand-in grants the scopes of the project's {MANIFEST_NAME}, and none "
            "was found: pass SlackStandIn(scopes=...)"
        )
    return read_bot_scopes(path.read_text(encoding="utf-8"))


def read_bot_scopes(text: str) -> tuple[str, ...]:
    """The block-style list under `oauth_config:` / `scopes:` / `bot:` of a manifest's YAML.

    Only that form is understood (the one manifest.yml uses); anything else is an error rather
    than a guess. tests/standin checks the answer against a real YAML parser.
    """
    path = ["oauth_config", "scopes", "bot"]
    keys: list[tuple[int, str]] = []  # the mapping keys enclosing this line: (indent, key)
    scopes: list[str] = []
    for raw in text.splitlines():
        line = _without_comment(raw).rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        content = line.strip()
        item = content.startswith("- ")
        # A list may sit at its key's own indent; a key closes every key at or right of it.
        while keys and (keys[-1][0] > indent or (keys[-1][0] == indent and not item)):
            keys.pop()
        inside = [key for _, key in keys] == path
        if inside and item:
            scopes.append(content[2:].strip().strip("'\""))
        elif inside:
            raise ValueError(f"unexpected line in the manifest's bot scopes: {raw!r}")
        elif content.endswith(":") and not item:
            keys.append((indent, content[:-1].strip()))
    if not scopes or any(not s or " " in s for s in scopes):
        raise ValueError(f"no block list of bot scopes at oauth_config.scopes.bot: {scopes}")
    return tuple(scopes)


def _without_comment(line: str) -> str:
    # A '#' starts a comment at the start of a line or after a space (YAML's rule).
    for i, char in enumerate(line):
        if char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line
