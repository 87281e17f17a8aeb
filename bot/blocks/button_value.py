"""What the bot's buttons and forms carry back to it, both ways: the builders write these values,
the listeners read them.

The review buttons on an application's post, and the decision form's private_metadata, carry
`<application id>:<round>`, so that a click or form from an earlier round is known. The edit,
withdraw and renewal buttons, and the other forms, carry a plain id.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.domain.escape import parse_id
from bot.domain.refusals import Refusal, Refused, Thing


class RoundRef(NamedTuple):
    application_id: int
    round: int


def encode(application_id: int | None, round: int) -> str:
    return f"{application_id}:{round}"


def decode(value: object) -> RoundRef | None:
    """The reference in a review button or form; None if it is malformed (forged or garbled)."""
    app_part, _, round_part = str(value or "").partition(":")
    application_id, round = parse_id(app_part), parse_id(round_part)
    if application_id is None or round is None:
        return None
    return RoundRef(application_id, round)


def read_ref(value: object) -> RoundRef:
    """As `decode`, but a malformed value is refused as an application not found."""
    ref = decode(value)
    if ref is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.APPLICATION)
    return ref


def encode_id(number: int | None) -> str:
    return str(number)


def decode_id(value: object) -> int | None:
    """The id a button or form carries (the application's, for a review button); None if
    malformed."""
    return parse_id(str(value or "").partition(":")[0])


def read_id(value: object, thing: Thing = Thing.APPLICATION) -> int:
    """As `decode_id`, but a malformed value is refused as a `thing` not found."""
    number = decode_id(value)
    if number is None:
        raise Refused(Refusal.NOT_FOUND, thing=thing)
    return number
