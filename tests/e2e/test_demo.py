"""`sanctuary-bot demo` plays the story and prints the channel as a reader sees it.

The story's facts are checked in what the reader is shown: the decision reaches the post, the
thread and the channel; Home counts the new member; the renewal nag arrives once; and nothing
prints what Slack would not show (raw mentions, field ids, a channel warning called private).
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from bot.cli import main


def _chapter(out: str, heading: str) -> str:
    """The text of the chapter whose heading starts with `heading`, up to the next chapter."""
    start = out.index(f"## {heading}")
    end = out.find("\n## ", start + 1)
    return out[start : end if end != -1 else len(out)]


def _snapshot(out: str, heading: str) -> str:
    """One `--- heading ---` ... `--- end ---` picture of the channel."""
    start = out.index(f"--- {heading} ---")
    return out[start : out.index("--- end ---", start)]


@pytest.fixture(scope="module")
def story() -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["demo"]) == 0
    return buffer.getvalue()


def test_the_decision_reaches_the_post_the_thread_and_the_channel(story: str) -> None:
    after = _snapshot(story, "The channel after the decision")
    # The post says what it is now, not "New application".
    assert "== Approved application: Sheffield City Council ==" in after
    assert "New application" not in after
    assert "status: *approved*" in after
    # The announcement is in the thread and, as Slack shows a broadcast reply, in the channel.
    assert after.count("Decision on Sheffield City Council, round 1: Approved") == 2
    assert "↳ sanctuary-bot (also sent to the channel): *Decision on Sheffield" in after
    # The decision is the channel's last word, after the earlier quorum warning.
    last_message = after.rstrip().split("\n\n")[-1]
    assert "replied to a thread" in last_message
    assert "Membership of the network runs until 14 March 2029" in last_message


def test_home_after_the_decision_counts_the_new_member(story: str) -> None:
    home = _chapter(story, "Sam opens the bot's Home tab")
    assert "The network has *1* member council today" in home
    assert "Nothing is under review." in home
    assert "Sheffield City Council: Approved on 14 March 2026" in home
    assert "Updated 14 March 2026." in home


def test_the_renewal_nag_arrives_once_90_days_before_the_end(story: str) -> None:
    nag = "membership of the Local Authority Network ends in 90 days, on 14 March 2029"
    final = _snapshot(story, "The working-group channel at the end of the story")
    assert final.count(nag) == 1
    renewals = _chapter(story, "Three years less 90 days later")
    assert "*Sheffield City Council*: ends 14 March 2029 (in 90 days)" in renewals


def test_the_renewal_post_shows_the_previous_term_what_changed_and_the_progress(
    story: str,
) -> None:
    final = _snapshot(story, "The working-group channel at the end of the story")
    renewal = final[final.index("== Renewal: Sheffield City Council ==") :]
    assert "*Previous term:* 14 March 2026 to 14 March 2029" in renewal
    assert "*Changed since the last approved application* (#1)" in renewal
    assert "• strategy end: 2 December 2030 → 14 November 2033" in renewal
    assert "*Progress logged during the last term*" in renewal
    assert ":warning:" not in renewal.split("*Votes, round 1*")[0]


def test_a_year_in_the_check_in_arrives_once_and_sam_logs_progress(story: str) -> None:
    chapter = _chapter(story, "A year into the membership: the check-in")
    assert "[14 Mar 2027]" in chapter
    check_in = "*Sheffield City Council*: 12 months into its membership"
    assert _snapshot(chapter, "The working-group channel: the check-in").count(check_in) == 1
    assert "Logged the progress of *Sheffield City Council*" in chapter
    final = _snapshot(story, "The working-group channel at the end of the story")
    assert final.count("months into its membership") == 1  # no 24-month one: the nags began


def test_the_demo_prints_what_slack_would_show(story: str) -> None:
    assert "Sam types `/sanctuary help`" in story
    # Mentions as people see them, never the wire format.
    assert not re.search(r"<@U[0-9A-Z]+", story)
    assert "`/sanctuary group add @Amira lived`" in story
    # A field's error is shown under the field's label, not its block id.
    registration = _chapter(story, "Staff register Sheffield's application")
    assert "under “Strategy ends”: The strategy must commit for at least three years" in (
        registration
    )
    assert "strategy_end:" not in story
    # The quorum warning goes to the whole channel, and says so.
    assert "(only the channel sees)" not in story
    warning = _chapter(story, "Two days before, quorum is still missing")
    assert "(everyone in the channel sees, in the post's thread, also sent to the channel)" in (
        warning
    )


def test_only_the_working_group_sees_the_roster_and_the_channel_names_no_contact(
    story: str,
) -> None:
    """Who sees what: members see the roster, a visitor is politely refused; no contact's name
    or email is ever in the channel."""
    roster = _chapter(story, "Staff set up the working group")
    assert "Members of the working group (and staff) see the roster" in roster
    assert (
        "Sorry, the roster is for the working group and City of Sanctuary UK staff only" in roster
    )
    final = _snapshot(story, "The working-group channel at the end of the story")
    assert "jane.doe@" not in final and "Cllr Jane Doe" not in final
    assert "the councillor responsible and 1 council officer" in final
