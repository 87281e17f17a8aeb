"""Every command name, action id, callback id and block id the bot uses, in one place."""

from __future__ import annotations

COMMAND = "/sanctuary"

# Buttons on the application post
VOTE_APPROVE = "vote_approve"
VOTE_FURTHER_WORK = "vote_further_work"
VOTE_DECLINE = "vote_decline"
VOTE_ABSTAIN = "vote_abstain"
VOTE_ACTIONS = (VOTE_APPROVE, VOTE_FURTHER_WORK, VOTE_DECLINE, VOTE_ABSTAIN)
DECLARE_CONFLICT = "declare_conflict"
RECORD_DECISION = "record_decision"
EDIT_APPLICATION = "edit_application"
WITHDRAW_APPLICATION = "withdraw_application"
OPEN_RENEWAL = "open_renewal"

# Modals (callback ids)
APPLY_VIEW = "apply_view"
EDIT_VIEW = "edit_view"
CONFLICT_VIEW = "conflict_view"
DECISION_VIEW = "decision_view"
WITHDRAW_VIEW = "withdraw_view"

# External select answered by the bot
COUNCIL_PICKER = "council_picker"

# Registration modal: the council inputs (the other inputs' block_id and action_id are the
# field names of bot.services.registration.ApplicationForm, e.g. "motion_date").
COUNCIL_BLOCK = "council"
COUNCIL_OTHER_BLOCK = "council_other"
WITHDRAW_REASON_BLOCK = "withdraw_reason"
