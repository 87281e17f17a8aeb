from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings, normalise_database_url

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "SLACK_SIGNING_SECRET": "secret",
    "SANCTUARY_CHANNEL": "C0123ABCD",
    "SANCTUARY_STAFF": "U0123ABCD, U0456EFGH",
}


def test_defaults_follow_the_design() -> None:
    settings = load_settings(GOOD, for_run=True)
    assert settings.staff == {"U0123ABCD", "U0456EFGH"}
    assert settings.port == 3000
    assert str(settings.timezone) == "Europe/London"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("/sanctuary.db")
    rules = settings.rules
    assert (rules.quorum_min_votes, rules.quorum_min_constituencies) == (4, 3)
    assert rules.quorum_required == ("lived",)
    assert rules.review_days == 14
    assert rules.vote_reminder_days == (3, 1)
    assert rules.renewal_nag_days == (90, 30, 7, 0)
    assert rules.endorsement_max_age_months == 12
    assert rules.renewal_window_months == 12
    assert not rules.blind_tally
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SLACK_BOT_TOKEN", "sanctuary-bot demo"),
        ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        ("SANCTUARY_CHANNEL", "SANCTUARY_CHANNEL"),
        ("SANCTUARY_STAFF", "SANCTUARY_STAFF"),
    ],
)
def test_run_stops_on_a_missing_setting_and_names_it(missing: str, named: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(SettingsError) as caught:
        load_settings(env, for_run=True)
    assert missing in str(caught.value)
    assert named in str(caught.value)


def test_socket_mode_needs_no_signing_secret() -> None:
    env = {k: v for k, v in GOOD.items() if k != "SLACK_SIGNING_SECRET"}
    settings = load_settings(env | {"SLACK_APP_TOKEN": "xapp-1-abc"}, for_run=True)
    assert settings.socket_mode


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong"),
        ("SANCTUARY_CHANNEL", "#working-group"),
        ("SANCTUARY_STAFF", "U0123ABCD,@alice"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("SANCTUARY_TIMEZONE", "Mars/Olympus"),
        ("SANCTUARY_QUORUM_MIN_VOTES", "0"),
        ("SANCTUARY_QUORUM_REQUIRED", "lived,mayors"),
        ("SANCTUARY_RENEWAL_NAG_DAYS", "90,thirty"),
        ("SANCTUARY_RENEWAL_NAG_DAYS", "90,-1"),
        ("SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS", "0"),
        ("SANCTUARY_RENEWAL_WINDOW_MONTHS", "a year"),
        ("DATABASE_URL", "mysql://x/y"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SANCTUARY_BLIND_TALLY", "sometimes"),
    ],
)
def test_malformed_setting_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(GOOD | {name: value})
    assert name in str(caught.value)


def test_tuning_settings_are_read() -> None:
    settings = load_settings(
        GOOD
        | {
            "SANCTUARY_QUORUM_MIN_VOTES": "5",
            "SANCTUARY_QUORUM_REQUIRED": "lived,trustee",
            "SANCTUARY_RENEWAL_NAG_DAYS": "7,60,0",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS": "6",
            "SANCTUARY_RENEWAL_WINDOW_MONTHS": "24",
            "SANCTUARY_BLIND_TALLY": "true",
        }
    )
    assert settings.rules.blind_tally
    assert settings.rules.endorsement_max_age_months == 6
    assert settings.rules.renewal_window_months == 24
    assert settings.rules.quorum_min_votes == 5
    assert settings.rules.quorum_required == ("lived", "trustee")
    assert settings.rules.renewal_nag_days == (60, 7, 0)
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_settings_are_frozen() -> None:
    settings = load_settings(GOOD)
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db/sanctuary", "postgresql+asyncpg://u:p@db/sanctuary"),
        ("postgres://u@db/s", "postgresql+asyncpg://u@db/s"),
        ("sqlite:////var/lib/s.db", "sqlite+aiosqlite:////var/lib/s.db"),
        ("sqlite+aiosqlite:///s.db", "sqlite+aiosqlite:///s.db"),
    ],
)
def test_database_urls_people_have_are_accepted(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_every_problem_is_reported_at_once_one_line_each() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "SANCTUARY_CHANNEL": "#working-group",
        "PORT": "eighty",
        "SANCTUARY_TIMEZONE": "Mars/Olympus",
        "DATABASE_URL": "mysql://x/y",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(env, for_run=True)
    named = [problem.split()[0] for problem in caught.value.problems]
    assert sorted(named) == sorted(
        [
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "SANCTUARY_CHANNEL",
            "SANCTUARY_STAFF",
            "PORT",
            "SANCTUARY_TIMEZONE",
            "DATABASE_URL",
        ]
    )
    assert str(caught.value).splitlines() == list(caught.value.problems)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://"])
def test_in_memory_sqlite_is_refused_with_the_fix(url: str) -> None:
    with pytest.raises(SettingsError, match=r"in-memory SQLite database.*sqlite:///sanctuary\.db"):
        normalise_database_url(url)


def test_scan_and_doctor_need_the_workspace_settings_but_not_the_signing_secret() -> None:
    env = {k: v for k, v in GOOD.items() if k != "SLACK_SIGNING_SECRET"}
    assert load_settings(env, for_slack=True).signing_secret is None
    with pytest.raises(SettingsError, match="SANCTUARY_STAFF is not set"):
        load_settings({k: v for k, v in env.items() if k != "SANCTUARY_STAFF"}, for_slack=True)
