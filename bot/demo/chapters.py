"""The demo's chapters, in the order of the story (DESIGN.md section 8)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.demo import review
from bot.demo.check_ins import check_in_chapter
from bot.demo.network import home_chapter, register_chapter
from bot.demo.registration import registration_chapter
from bot.demo.renewals import renewals_chapter
from bot.demo.story import STAFF_ID, Story

Chapter = Callable[[Story], Awaitable[None]]


async def help_chapter(story: Story) -> None:
    story.chapter("Staff ask the bot what it can do")
    story.say("Sam types `/sanctuary help`.")
    before = len(story.slack.responses())
    reply = await story.client.slash_command(STAFF_ID, "help")
    if reply.status != 200:
        raise RuntimeError(f"the bot answered HTTP {reply.status} to a signed slash command")
    await story.slack.wait_until(lambda: len(story.slack.responses()) > before)
    body = story.slack.responses()[-1].body
    story.show_private("Sam", str(body.get("text", "")), body.get("blocks"))


# Review after registration (which posts the application); the check-in a year into the
# membership; renewals last: it moves the clock three years on, to the newest membership's
# 90-day nag.
CHAPTERS: list[Chapter] = [
    help_chapter,
    registration_chapter,
    *review.CHAPTERS,
    register_chapter,
    home_chapter,
    check_in_chapter,
    renewals_chapter,
]
