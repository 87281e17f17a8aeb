"""`sanctuary-bot demo` plays the story and prints the channel as a reader sees it."""

from __future__ import annotations

import pytest

from bot.cli import main


def test_demo_plays_the_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Sam types `/sanctuary help`" in out
    assert "/sanctuary status <council>" in out
    assert "The working-group channel at the end of the story" in out
    # Who sees what: the roster is for the working group; a visitor is politely refused.
    assert "Members of the working group (and staff) see the roster" in out
    assert "Sorry, the roster is for the working group and City of Sanctuary UK staff only" in out
    assert "jane.doe@" not in out.split("The working-group channel at the end")[1]
