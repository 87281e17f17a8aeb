"""`sanctuary-bot demo`: the whole story offline, on a fresh SQLite file, against the stand-in.

The real app is served over real HTTP; every Slack request is correctly signed; the bot's Web
API client talks to the stand-in. Each chapter is a function of the `Story`.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

from bot.demo.chapters import CHAPTERS
from bot.demo.story import CAST, STAFF_ID, Story
from bot.domain.clock import FixedClock
from bot.runtime import start_http
from bot.settings import load_settings
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn


async def play(*, verbose: bool = False) -> int:
    """Play every chapter; print the channel as a reader sees it. Returns the exit status."""
    signing_secret = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="sanctuary-demo-") as folder:
        database = Path(folder) / "demo.db"
        clock = FixedClock(Story.start_time())
        async with SlackStandIn(clock=clock) as slack:
            for user_id, (name, _) in CAST.items():
                slack.add_user(user_id, name)
            settings = load_settings(
                {
                    "SLACK_BOT_TOKEN": "xoxb-standin-token",
                    "SLACK_SIGNING_SECRET": signing_secret,
                    "SANCTUARY_CHANNEL": CHANNEL_ID,
                    "SANCTUARY_STAFF": STAFF_ID,
                    "DATABASE_URL": f"sqlite:///{database}",
                    "SLACK_API_URL": slack.api_url,
                }
            )
            runtime = await start_http(
                settings, clock=clock, host="127.0.0.1", port=0, with_scheduler=False
            )
            try:
                async with SignedSlackClient(runtime.url or "", signing_secret, slack) as client:
                    story = Story(runtime, slack, client, clock, out=sys.stdout, verbose=verbose)
                    story.title(
                        "Sanctuary Network Bot: the whole story, offline",
                        f"database {database.name} in a temporary folder; Slack played by a "
                        f"stand-in at {slack.base_url}; bot at {runtime.url}",
                    )
                    for chapter in CHAPTERS:
                        await chapter(story)
                    story.show_channel("The working-group channel at the end of the story")
            finally:
                await runtime.stop()
    return 0
