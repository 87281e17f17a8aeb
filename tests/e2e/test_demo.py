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
