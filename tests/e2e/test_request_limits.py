"""The body limits of `POST /slack/events`, measured against the largest requests Slack sends.

Every surface is tried at its largest: each text the bot accepts at its limit, and the longest
message Slack lets a person write (40,000 characters), all in a character outside the Basic
Multilingual Plane, the costliest per character once Slack has escaped it in JSON
(`\\ud834\\udd1e`) and form-encoded it: 16 bytes for one character. A click carries the whole
post; a form submission, the whole view with what was typed; an edited reply, the message
before and after, each with its text twice (`text` and `blocks`). The limits must let every
one of these through, a real vote above all, while staying "just above" them. (The App Home
has nothing to click today; whoever adds a button there adds its click here.)
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.domain import ids
from bot.domain.application_form import LIMITS, RENEWAL_FIELDS
from bot.inbound import MAX_BODY_BYTES
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from models.tables import Application
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, click, one_of_each
from tests.e2e.test_registration import answers, open_modal, pick

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
WIDE = "\U0001d11e"  # MUSICAL SYMBOL G CLEF: a surrogate pair in JSON
SLACK_MESSAGE_LIMIT = 40_000  # Slack truncates message text beyond this
# "Just above": the limit is no more than this much over the largest request measured.
HEADROOM = 1.5


def _widest(name: str) -> str:
    """A valid answer to a registration field at its length limit, as wide as it can be."""
    limit = LIMITS[name]
    if name.endswith("email"):
        return WIDE * (limit - 10) + "@e.example"
    if name.endswith("url"):
        return "https://e.example/" + WIDE * (limit - 18)
    return WIDE * limit


class Measured:
    def __init__(self, slack: SignedSlackClient) -> None:
        self.slack = slack
        self.sizes: dict[str, dict[str, int]] = {FORM: {}, JSON: {}}

    def last(self, surface: str) -> None:
        sent = self.slack.sent[-1]
        kind = sent.headers["Content-Type"]
        self.sizes[kind][surface] = max(self.sizes[kind].get(surface, 0), len(sent.body))


async def test_the_largest_requests_of_every_surface_fit_and_the_limits_are_just_above(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    measured = Measured(slack)
    await add_roster(bot.deps, standin)

    # The registration form: the type-ahead, then a submission with every field at its limit.
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    measured.last("council type-ahead (the whole view)")
    widest = {name: _widest(name) for name in LIMITS if name != "council_other"}
    values = answers(council=option, **widest)
    before = len(standin.messages())
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, values))
    measured.last("registration form")
    assert standin.view_errors(view["id"]) is None
    await standin.wait_until(lambda: len(standin.messages()) > before)
    [post] = standin.messages()
    async with bot.deps.sessions() as session:
        app_id = (await session.exec(select(Application.id))).one()

    # A vote on that post: the click carries the whole post.
    said = await click(
        slack, standin, one_of_each()["lived"], ids.VOTE_APPROVE, post.ts, f"{app_id}:1"
    )
    assert "Vote recorded" in said
    measured.last("vote click (the whole post)")

    # Editing the evidence: the form comes back filled in, and is submitted as it is.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.EDIT_APPLICATION, message_ts=post.ts)
    await standin.wait_for("views.open", count=opened + 1)
    edit = standin.last_view(STAFF)
    assert edit is not None
    # A new application's edit form has no renewal questions.
    edited = {k: v for k, v in widest.items() if k not in RENEWAL_FIELDS}
    await slack.view_submission(STAFF, edit, slack.fill_view_state(edit, edited))
    measured.last("edit form, filled in")

    # The decision form, with the longest rationale and reason it takes.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=post.ts)
    await standin.wait_for("views.open", count=opened + 1)
    decision = standin.last_view(STAFF)
    assert decision is not None
    answers_: dict[str, Any] = {
        ids.DECISION_OUTCOME_BLOCK: "further_work",
        ids.DECISION_RATIONALE_BLOCK: WIDE * 3000,
        ids.DECISION_NO_QUORUM_BLOCK: WIDE * 1000,
    }
    await slack.view_submission(STAFF, decision, slack.fill_view_state(decision, answers_))
    measured.last("decision form")

    # A slash command and thread replies as long as Slack lets anyone write them.
    await slack.slash_command(STAFF, "status " + WIDE * (SLACK_MESSAGE_LIMIT - 7))
    measured.last("slash command, 40,000 characters")
    longest = WIDE * SLACK_MESSAGE_LIMIT
    await slack.message_event(one_of_each()["lived"], longest, thread_ts=post.ts)
    measured.last("thread reply, 40,000 characters")
    reply_message = next(m for m in standin.thread("C0WORKGRP1", post.ts) if m.text == longest)
    await slack.message_changed_event("C0WORKGRP1", reply_message.ts, longest[::-1], "U0LIVED001")
    measured.last("thread reply edited (before and after)")

    for kind, sizes in measured.sizes.items():
        largest = max(sizes.values())
        report = ", ".join(f"{what}: {size:,} B" for what, size in sizes.items())
        print(f"{kind}: {report}")
        assert largest < MAX_BODY_BYTES[kind], f"{kind} limit too low: {report}"
        assert MAX_BODY_BYTES[kind] <= HEADROOM * largest, f"{kind} limit far too high: {report}"
