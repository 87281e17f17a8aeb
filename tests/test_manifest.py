"""manifest.yml is a valid Slack app manifest and asks only for what the bot uses.

Validated against the project's own copy of Slack's JSON schema (tests/schema/), so the tests
never read anything outside the repository.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from jsonschema.validators import validator_for

from bot.domain.scopes import BOT_SCOPES
from handlers.commands import dispatch

HERE = Path(__file__).resolve().parent
MANIFEST_PATH = HERE.parent / "manifest.yml"
SCHEMA_PATH = HERE / "schema" / "manifest.schema.1.0.0.json"
EVENTS_PATH = "/slack/events"

# Pinned on purpose: a new scope means a new permission every workspace admin must grant,
# so it has to be added here as well as in manifest.yml.
EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "users:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
    "channels:read",
    "groups:read",
}

# Slack delivers these bot events only when the app holds the matching scope.
EVENT_SCOPES = {
    "app_home_opened": None,
    "message.channels": "channels:history",
    "message.groups": "groups:history",
}

# Every sub-command the bot answers (`group add` as its two words), registered by importing the
# command listeners: the usage hint and the README's list of commands name each one.
SUBCOMMANDS = tuple(sorted(dispatch.SUBCOMMANDS))
README = Path(__file__).resolve().parents[1] / "README.md"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (plain safe_load keeps the last one silently)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    text = MANIFEST_PATH.read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict), "manifest.yml must be a mapping"
    # Same document with duplicate keys rejected: a repeated key would hide a setting.
    assert yaml.load(text, Loader=_UniqueKeyLoader) == loaded
    return loaded


def _errors(validator: jsonschema.protocols.Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def _command(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    commands = manifest["features"]["slash_commands"]
    matches = [c for c in commands if c["command"] == name]
    assert len(matches) == 1, f"expected exactly one {name} command, got {commands}"
    found: dict[str, Any] = matches[0]
    return found


# --- the schema itself -----------------------------------------------------------------------


def test_schema_declares_draft_07_and_is_itself_valid(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert validator_for(schema) is jsonschema.Draft7Validator
    jsonschema.Draft7Validator.check_schema(schema)


def test_schema_copy_travels_with_its_licence() -> None:
    licence = (SCHEMA_PATH.parent / "LICENSE-manifest-schema").read_text(encoding="utf-8")
    assert "MIT License" in licence
    assert "Slack Technologies" in licence


# --- manifest.yml is valid -------------------------------------------------------------------


def test_manifest_is_valid_against_slack_schema(
    validator: jsonschema.protocols.Validator, manifest: dict[str, Any]
) -> None:
    errors = _errors(validator, manifest)
    assert not errors, "manifest.yml does not match Slack's schema:\n" + "\n".join(errors)


def test_manifest_uses_format_version_1(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "Sanctuary Network"
    assert info["description"].strip()
    # The schema spells this constraint "regex", which JSON Schema ignores; check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])


def test_bot_user_and_app_home(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "sanctuary-network", "always_online": True}
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": True,
    }


# --- what a user of the bot relies on --------------------------------------------------------


def test_sanctuary_slash_command_exists(manifest: dict[str, Any]) -> None:
    command = _command(manifest, "/sanctuary")
    assert command["url"].endswith(EVENTS_PATH)
    assert command["description"].strip()
    # Escaped, so `group add @user` arrives as <@U123|name> and the user id can be parsed.
    assert command["should_escape"] is True
    hint_words = set(re.findall(r"[a-z]+", command["usage_hint"]))
    missing = [s for s in SUBCOMMANDS if not set(s.split()) <= hint_words]
    assert not missing, f"usage hint does not mention {missing}"


def test_the_readme_lists_every_command() -> None:
    listed = README.read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n## ", 1)[0]
    missing = [s for s in SUBCOMMANDS if f"/sanctuary {s}" not in listed]
    assert not missing, f"README's command list does not name {missing}"


def test_bot_scopes_are_exactly_the_expected_set(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    bot = scopes["bot"]
    assert len(bot) == len(set(bot)), f"duplicate scope in {bot}"
    assert set(bot) == EXPECTED_BOT_SCOPES, (
        f"unexpected: {sorted(set(bot) - EXPECTED_BOT_SCOPES)}, "
        f"missing: {sorted(EXPECTED_BOT_SCOPES - set(bot))}"
    )
    # The bot acts only as itself: no user token, no optional scopes.
    assert set(scopes) == {"bot"}


def test_the_packaged_scope_list_is_the_manifests(manifest: dict[str, Any]) -> None:
    """`sanctuary-bot doctor` checks the token against bot/domain/scopes.py (the manifest is not
    installed): the same scopes, in the same order."""
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_events_cover_home_tab_and_private_channel_threads(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"].endswith(EVENTS_PATH)
    bot_events = events["bot_events"]
    assert set(bot_events) == set(EVENT_SCOPES)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event, scope in EVENT_SCOPES.items():
        if scope is not None:
            assert scope in scopes, f"event {event} is only delivered with scope {scope}"


def test_interactivity_has_request_and_options_urls(manifest: dict[str, Any]) -> None:
    interactivity = manifest["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)
    # External selects (e.g. the council picker) load their options from this URL.
    assert interactivity["message_menu_options_url"].endswith(EVENTS_PATH)


def test_settings_flags(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_every_request_url_points_at_the_bolt_endpoint(manifest: dict[str, Any]) -> None:
    urls = [
        _command(manifest, "/sanctuary")["url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["settings"]["interactivity"]["message_menu_options_url"],
    ]
    for url in urls:
        assert re.fullmatch(r"https://[^/\s]+/slack/events", url), url


# --- the validation can fail -----------------------------------------------------------------


def _long_command(m: dict[str, Any]) -> None:
    m["features"]["slash_commands"][0]["command"] = "/" + "s" * 39  # 40 characters, max is 32


def _no_app_name(m: dict[str, Any]) -> None:
    del m["display_information"]["name"]


def _no_display_information(m: dict[str, Any]) -> None:
    del m["display_information"]


def _command_without_slash(m: dict[str, Any]) -> None:
    m["features"]["slash_commands"][0]["command"] = "sanctuary"


def _unknown_setting(m: dict[str, Any]) -> None:
    m["settings"]["socket_mode"] = True  # misspelt socket_mode_enabled


def _interactivity_without_is_enabled(m: dict[str, Any]) -> None:
    del m["settings"]["interactivity"]["is_enabled"]


def _scope_not_a_string(m: dict[str, Any]) -> None:
    m["oauth_config"]["scopes"]["bot"].append(["chat:write"])


def _non_http_events_url(m: dict[str, Any]) -> None:
    m["settings"]["event_subscriptions"]["request_url"] = "YOUR-HOST/slack/events"


@pytest.mark.parametrize(
    ("break_manifest", "expected_path"),
    [
        (_long_command, "features/slash_commands/0/command"),
        (_no_app_name, "display_information"),
        (_no_display_information, "<root>"),
        (_command_without_slash, "features/slash_commands/0/command"),
        (_unknown_setting, "settings"),
        (_interactivity_without_is_enabled, "settings/interactivity"),
        (_scope_not_a_string, "oauth_config/scopes/bot/9"),
        (_non_http_events_url, "settings/event_subscriptions/request_url"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_invalid_manifest_is_rejected(
    validator: jsonschema.protocols.Validator,
    manifest: dict[str, Any],
    break_manifest: Any,
    expected_path: str,
) -> None:
    broken = copy.deepcopy(manifest)
    break_manifest(broken)
    errors = _errors(validator, broken)
    assert errors, "the schema accepted a broken manifest"
    assert any(e.startswith(f"{expected_path}: ") for e in errors), errors
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


def test_duplicate_keys_in_yaml_are_rejected() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key"):
        yaml.load("settings:\n  a: 1\n  a: 2\n", Loader=_UniqueKeyLoader)
