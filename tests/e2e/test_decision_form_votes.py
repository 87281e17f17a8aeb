"""A removed member's earlier vote still counts, and the decision form, which staff alone see,
lists each vote by name, marking former members (issue 12, item 8)."""

from __future__ import annotations

import json

from bot.domain import ids
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, click, one_of_each, post_application, post_text


async def test_a_removed_members_vote_counts_and_the_form_names_each_voter(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    members = one_of_each()
    choices = {"lived": ids.VOTE_APPROVE, "councillor": ids.VOTE_APPROVE}
    choices |= {"officer": ids.VOTE_DECLINE, "group": ids.VOTE_APPROVE}
    for constituency, action in choices.items():
        await click(slack, standin, members[constituency], action, ts, f"{app_id}:1")
    gareth = members["officer"]

    before = len(standin.responses())
    await slack.slash_command(STAFF, f"group remove <@{gareth}>")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    assert "Removed" in str(standin.responses()[-1].body["text"])

    # It was valid when cast: the tally and quorum still count it, in the post rendered again
    # from the database (after the next vote) and in status.
    await click(slack, standin, members["national"], ids.VOTE_APPROVE, ts, f"{app_id}:1")
    shown = post_text(standin, ts)
    assert "Votes, round 1 (5 cast)" in shown and "Quorum: met" in shown
    before = len(standin.responses())
    await slack.slash_command(STAFF, "status sheffield")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    assert "5 votes cast" in str(standin.responses()[-1].body)
    assert f"<@{gareth}>" not in shown and "Gareth" not in shown  # the post names no voter

    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = json.dumps(standin.last_view(STAFF), ensure_ascii=False)
    assert "Votes by name" in form
    for constituency, choice in (("lived", "Approve"), ("councillor", "Approve")):
        assert f"<@{members[constituency]}> (" in form and f"): {choice}" in form
    gareth_line = form[form.index(f"<@{gareth}>") :].split("\\n")[0]
    assert "Decline" in gareth_line and "former member" in gareth_line
    ruth_line = form[form.index(f"<@{members['group']}>") :].split("\\n")[0]
    assert "former member" not in ruth_line
