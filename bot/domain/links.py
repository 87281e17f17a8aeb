"""The one rule for every web address the bot accepts or links to (DESIGN.md section 2).

An address must be `http(s)://` with a dotted public host name: no user information (in
`https://www.sheffield.gov.uk@evil.example/` the site is evil.example), no backslash (browsers
read it as `/`), and no IP-literal host, whether written as `10.0.0.5`, `[::1]`, or a number
browsers turn into one (`0x7f.1`, `0177.0.0.1`). A syntax check only: nothing is looked up.

Used by the registration form, `sanctuary-bot import`, and the public register (`/network`,
`/sanctuary list`), which leaves out any stored link that fails it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Characters that end or disguise a link in Slack's mrkdwn or HTML, or that browsers rewrite.
_FORBIDDEN = re.compile(r"[\s<>|\"\\^`{}\x00-\x1f\x7f]")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LEVEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Names that never reach the public internet (RFC 6761, 6762 and common practice).
_PRIVATE_TOP_LEVEL = frozenset({"localhost", "local", "internal", "invalid", "arpa", "onion"})

ASK = "Give a full web address starting with https:// (or http://)."


def url_problem(value: str) -> str | None:
    """What is wrong with `value` as a public web address, in one line; None when it is fine."""
    if "\\" in value:
        return "Use forward slashes (/) in the address, not backslashes."
    if not value.lower().startswith(("https://", "http://")):
        return ASK
    if _FORBIDDEN.search(value):
        return 'Remove the spaces and any < > | " characters from the address.'
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ASK
    if "@" in parts.netloc:
        return (
            "Remove the part before @ in the site name: addresses with a user name or password "
            "are not accepted."
        )
    host = _ascii_host(parts.hostname or "")
    if host is None or not parts.hostname:
        return "Give the site's name after https://, such as https://www.council.gov.uk/…"
    if _is_ip_literal(host):
        return "Give the site's name (such as www.council.gov.uk), not a numeric (IP) address."
    if not _is_public_name(host):
        return "Give a public site name with a dot in it, such as https://www.council.gov.uk/…"
    return None


def is_public_url(value: str | None) -> bool:
    """Whether `value` is an address the bot accepts and links to (see `url_problem`)."""
    return bool(value) and url_problem(value or "") is None


def _ascii_host(host: str) -> str | None:
    """The host as browsers look it up (IDNA): full-width digits and dots become ASCII ones."""
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _is_ip_literal(host: str) -> bool:
    """An IPv6 literal, or what a browser's host parser reads as an IPv4 address: a name whose
    last label is a number (decimal, or hex with 0x; octal is decimal-looking)."""
    if ":" in host or host.startswith("["):
        return True
    labels = host.split(".")
    if labels and labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
    last = labels[-1] if labels else ""
    return bool(re.fullmatch(r"[0-9]+|0x[0-9a-f]*", last))


def _is_public_name(host: str) -> bool:
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253:
        return False
    if not all(_LABEL.match(label) for label in labels):
        return False
    return bool(_TOP_LEVEL.match(labels[-1])) and labels[-1] not in _PRIVATE_TOP_LEVEL
