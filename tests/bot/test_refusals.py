"""Every refusal has its words, and names in them are escaped for messages only."""

from __future__ import annotations

from bot.blocks.refusals import MEMBER_TASKS, PRIVATE_TASKS, STAFF_TASKS, WORDINGS, explain
from bot.domain.refusals import Refusal, Refused, Task


def test_every_refusal_and_task_has_its_words() -> None:
    assert set(WORDINGS) == set(Refusal)
    assert set(STAFF_TASKS) | set(MEMBER_TASKS) | set(PRIVATE_TASKS) == set(Task)


def test_names_are_escaped_in_messages_not_on_forms() -> None:
    refused = Refused(
        Refusal.ALREADY_OPEN,
        council="Brighton & Hove <!channel>",
        application=7,
        status="under_review",
    )
    assert explain(refused).startswith("Brighton &amp; Hove &lt;!channel&gt; already has")
    assert explain(refused, markup=False).startswith("Brighton & Hove <!channel> already has")
    assert "(#7, under review)" in explain(refused)
