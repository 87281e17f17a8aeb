"""Contacts: a line on the post saying how many (never who), with a button that shows them
privately in a modal to the working group and staff (bot/services/contacts.py)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import button_value
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.services.contacts import ApplicationContacts, ContactsSummary


def _officers(n: int) -> str:
    return f"{n} council officer{'s' if n != 1 else ''}"


def contacts_section(application_id: int | None, contacts: ContactsSummary) -> SectionBlock:
    """Criterion 5 on the post: who is named (by role), and the Contacts button."""
    if contacts.erased_by_retention:
        return SectionBlock(
            text=MarkdownTextObject(text="*5. Contacts* erased under the data retention policy")
        )
    if not contacts.any:
        return SectionBlock(text=MarkdownTextObject(text="*5. Contacts* erased on request"))
    named = [
        "the councillor responsible" if contacts.councillor else "the councillor's details erased",
        _officers(contacts.officers),
    ]
    return SectionBlock(
        text=MarkdownTextObject(
            text=f"*5. Contacts* {' and '.join(named)}. Members of the working group and staff "
            "see them with *Contacts* (only you see them; each look is recorded)."
        ),
        accessory=ButtonElement(
            text="Contacts",
            action_id=ids.SHOW_CONTACTS,
            value=button_value.encode_id(application_id),
        ),
    )


def build_contacts_modal(shown: ApplicationContacts) -> View:
    """The contacts, for the one person who asked (a read-only modal)."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"Contacts for *{mrkdwn(truncate(shown.council, 200))}* "
                f"(application #{shown.application_id})"
            )
        )
    ]
    for contact in shown.contacts:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{contact.role}:* {mrkdwn(truncate(contact.name, 300))}"
                    f" ({mrkdwn(truncate(contact.job, 300))})\n"
                    f"{mrkdwn(truncate(contact.email, 320))}"
                )
            )
        )
    if not shown.contacts:
        why = "under the data retention policy" if shown.erased_by_retention else "on request"
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"The contacts were erased {why}."))
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Personal data: use it for the network's business only, and do not copy "
                    "it into the channel. That you looked is recorded in the audit log."
                )
            ]
        )
    )
    return View(
        type="modal",
        callback_id=ids.CONTACTS_VIEW,
        title=PlainTextObject(text="Contacts"),
        close=PlainTextObject(text="Close"),
        blocks=blocks[:100],
    )
