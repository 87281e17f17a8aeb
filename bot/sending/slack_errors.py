"""Turning a failed Slack call into words a member of staff can act on."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

# What can go wrong talking to Slack, besides Slack saying no.
SlackFailure = SlackApiError | TimeoutError | aiohttp.ClientError
SLACK_FAILURES: tuple[type[Exception], ...] = (SlackApiError, TimeoutError, aiohttp.ClientError)

_ADVICE: dict[str, str] = {
    "not_in_channel": (
        "the bot is not a member of the working-group channel. Invite it there with "
        "`/invite @Sanctuary Network`."
    ),
    "channel_not_found": (
        "Slack does not know the working-group channel, or the bot cannot see it. Check the "
        "channel ID in SANCTUARY_CHANNEL, and for a private channel invite the bot with "
        "`/invite @Sanctuary Network`."
    ),
    "is_archived": (
        "the working-group channel is archived. Unarchive it, or set SANCTUARY_CHANNEL to the "
        "channel the group uses now."
    ),
    "ratelimited": (
        "Slack asked the bot to slow down (rate limit). Nothing to do: it will try again shortly."
    ),
    "restricted_action": (
        "the workspace does not let the bot post there. Ask a Slack admin to allow it."
    ),
    "msg_too_long": "the message was too long for Slack. Shorten the longest answers.",
    "invalid_blocks": "Slack refused the message's layout. Please tell the bot's maintainers.",
    "not_authed": "the bot has no Slack token. Check SLACK_BOT_TOKEN.",
    "invalid_auth": "Slack refused the bot's token. Check SLACK_BOT_TOKEN.",
    "token_revoked": "the bot's token was revoked. Reinstall the app and update SLACK_BOT_TOKEN.",
    "account_inactive": "the bot's account is inactive. Reinstall the app, update SLACK_BOT_TOKEN.",
    "missing_scope": (
        "the app lacks a permission it needs. Reinstall it from its manifest (manifest.yml)."
    ),
}


def error_code(error: BaseException) -> str:
    """A short code for the failure: Slack's error, `http_<status>`, `timeout` or `network`."""
    if isinstance(error, SlackApiError):
        response = error.response
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return str(data["error"])
        status = getattr(response, "status_code", None)
        if isinstance(status, int) and status >= 400:
            return f"http_{status}"
        return "unknown"
    if isinstance(error, TimeoutError):
        return "timeout"
    return "network"


def explain(error: BaseException) -> str:
    """What went wrong and what to do, in a sentence (no trailing full stop needed)."""
    return explain_code(error_code(error))


def explain_code(code: str) -> str:
    """`explain` for a failure already reduced to its `error_code`."""
    if code in _ADVICE:
        return f"Slack said `{code}`: {_ADVICE[code]}"
    if code.startswith("http_5"):
        return (
            f"Slack had a problem on its side ({code.removeprefix('http_')}). Nothing to do: "
            "the bot will try again shortly."
        )
    if code == "timeout":
        return "Slack did not answer in time. Nothing to do: the bot will try again shortly."
    if code == "network":
        return "the bot could not reach Slack. It will try again shortly."
    return f"Slack said `{code}`. If it persists, please tell the bot's maintainers."


def is_transient(error: BaseException) -> bool:
    """Worth trying again later without anyone doing anything."""
    code = error_code(error)
    return code in ("ratelimited", "timeout", "network") or code.startswith("http_5")


def form_not_opened(error: BaseException) -> str:
    """What to tell someone whose click or command should have opened a form (nothing saved)."""
    return (
        f"Slack did not open the form just now (`{error_code(error)}`); nothing was changed. "
        "Please try again in a moment."
    )


def post_not_updated(error: BaseException) -> str:
    """For someone whose change is saved but whose post Slack would not update just now."""
    return (
        f"It is saved, but Slack would not update the post just now (`{error_code(error)}`); "
        "the post will show it at its next update."
    )


def surely_not_sent(error: BaseException) -> bool:
    """Whether Slack certainly did not act: Slack itself answered `ok: false` with an error.

    That includes a 429 `ratelimited`. It excludes a time-out, a dropped connection and an HTTP
    5xx without Slack's own error body (a 502 or 504 from a gateway can follow a post that went
    through), and Slack's own `internal_error`/`fatal_error` (its documentation warns that part
    of the operation may have succeeded). After those an exactly-once claim is kept until its
    lease runs out (a retry comes later) rather than given back.
    """
    if not isinstance(error, SlackApiError):
        return False
    data = getattr(error.response, "data", None)
    if not isinstance(data, dict) or data.get("ok") is not False:
        return False
    code = data.get("error")
    return isinstance(code, str) and code not in _MAYBE_ACTED


# Slack's own errors after which the call may have partly succeeded.
_MAYBE_ACTED = frozenset({"internal_error", "fatal_error"})

# Refusals that will not go away by themselves: someone has to invite the bot, fix the channel
# setting or unarchive the channel. Retried rarely, and staff are told.
PERMANENT_REFUSALS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

# The bot cannot reach Slack at all: nothing it sends will arrive until the token is fixed.
CANNOT_REACH_SLACK = frozenset({"invalid_auth", "account_inactive"})
