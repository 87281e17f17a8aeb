"""Demo chapters for the public register and the App Home (issue 6)."""

from __future__ import annotations

import aiohttp

from bot.demo.story import STAFF_ID, Story
from bot.standin.render import render_blocks_as_text


async def register_chapter(story: Story) -> None:
    story.chapter("Anyone can see the public register")
    story.say("Amira types `/sanctuary list`.")
    before = len(story.slack.responses())
    reply = await story.client.slash_command("U0DEMOLIV1", "list")
    if reply.status != 200:
        raise RuntimeError(f"the bot answered HTTP {reply.status} to /sanctuary list")
    await story.slack.wait_until(lambda: len(story.slack.responses()) > before)
    body = story.slack.responses()[-1].body
    story.show_private("Amira", str(body.get("text", "")), body.get("blocks"))
    url = f"{story.runtime.url}/network.json"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        data = await response.json()
    story.say(
        f"The website reads GET /network.json (HTTP {response.status}): "
        f"{data['count']} member council(s), no contact details."
    )


async def home_chapter(story: Story) -> None:
    story.chapter("Sam opens the bot's Home tab")

    # Show the view the bot publishes for this opening, not one published earlier.
    def publishes() -> int:
        calls = story.slack.calls("views.publish")
        return sum(1 for call in calls if call.args.get("user_id") == STAFF_ID)

    before = publishes()
    await story.client.event({"type": "app_home_opened", "user": STAFF_ID, "tab": "home"})
    await story.slack.wait_until(lambda: publishes() > before)
    view = story.slack.home_view(STAFF_ID) or {}
    rendered = render_blocks_as_text(
        "", view.get("blocks"), users=story.slack.user_names(), channels=story.slack.channel_names()
    )
    story.say("(Sam's Home tab)")
    for line in rendered.splitlines():
        story.say(f"| {line}")
