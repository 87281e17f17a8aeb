"""An offline stand-in for Slack: its Web API, and signed requests as Slack sends them."""

from bot.standin.client import Reply, SignedSlackClient, build_message_event, fill_view_state
from bot.standin.render import render_blocks_as_text, render_transcript
from bot.standin.server import (
    APP_ID,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    DEFAULT_USER_ID,
    TEAM_ID,
    ApiCall,
    Ephemeral,
    Message,
    ResponsePost,
    SlackStandIn,
)
from bot.standin.signing import sign
from bot.standin.socket_mode import APP_TOKEN

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DEFAULT_USER_ID",
    "TEAM_ID",
    "ApiCall",
    "Ephemeral",
    "Message",
    "Reply",
    "ResponsePost",
    "SignedSlackClient",
    "SlackStandIn",
    "build_message_event",
    "fill_view_state",
    "render_blocks_as_text",
    "render_transcript",
    "sign",
]
