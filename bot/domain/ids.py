"""Every command name, action id, callback id and block id the bot uses, in one place."""

from __future__ import annotations

COMMAND = "/sanctuary"
# How `extend` is typed, escaped for mrkdwn (a bare `<council>` is read by Slack as a link).
EXTEND_USAGE = f"{COMMAND} extend &lt;council&gt; &lt;days&gt; &lt;reason&gt;"

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
SHOW_CONTACTS = "show_contacts"
# On a connected person's prompt (beside a DECLARE_CONFLICT button)
CONFIRM_NO_CONFLICT = "confirm_no_conflict"

# Modals (callback ids)
APPLY_VIEW = "apply_view"
EDIT_VIEW = "edit_view"
CONFLICT_VIEW = "conflict_view"
DECISION_VIEW = "decision_view"
WITHDRAW_VIEW = "withdraw_view"
CONTACTS_VIEW = "contacts_view"
AMEND_VIEW = "amend_view"

# External select answered by the bot
COUNCIL_PICKER = "council_picker"

# Registration modal: the council inputs (the other inputs' block_id and action_id are the
# field names of bot.domain.application_form.ApplicationForm, e.g. "motion_date"; the
# field <-> block mapping is bot/blocks/registration_state.py).
COUNCIL_BLOCK = "council"
COUNCIL_OTHER_BLOCK = "council_other"
WITHDRAW_REASON_BLOCK = "withdraw_reason"

# Conflict-of-interest modal (inputs by block id; action ids alongside)
CONFLICT_REASON_BLOCK = "conflict_reason"
CONFLICT_REASON_INPUT = "conflict_reason_input"

# Decision modal
DECISION_OUTCOME_BLOCK = "decision_outcome"
DECISION_OUTCOME_INPUT = "decision_outcome_input"
DECISION_RATIONALE_BLOCK = "decision_rationale"
DECISION_RATIONALE_INPUT = "decision_rationale_input"
DECISION_NO_QUORUM_BLOCK = "decision_no_quorum"
DECISION_NO_QUORUM_INPUT = "decision_no_quorum_input"

# The endorsement (criterion 3): the registration form's endorser as a Slack user, the buttons
# in the DM that asks them (value: the application id), and the question they may ask staff.
ENDORSER_USER_BLOCK = "endorser_user_id"
ENDORSE = "endorse"
CANNOT_ENDORSE = "cannot_endorse"
ASK_ENDORSEMENT_QUESTION = "ask_endorsement_question"
ENDORSER_ACTIONS = (ENDORSE, CANNOT_ENDORSE, ASK_ENDORSEMENT_QUESTION)
ENDORSEMENT_QUESTION_VIEW = "endorsement_question_view"
ENDORSEMENT_QUESTION_BLOCK = "endorsement_question"

# Check-ins between reviews: the button on the check-in message (value: the membership id)
# and the form it opens.
LOG_PROGRESS = "log_progress"
CHECK_IN_VIEW = "check_in_view"
CHECK_IN_WHAT_BLOCK = "check_in_what"
CHECK_IN_URL_BLOCK = "check_in_url"
# Amendment modal (a decision's rationale, corrected with a reason)
AMEND_RATIONALE_BLOCK = "amend_rationale"
AMEND_RATIONALE_INPUT = "amend_rationale_input"
AMEND_REASON_BLOCK = "amend_reason"
AMEND_REASON_INPUT = "amend_reason_input"
