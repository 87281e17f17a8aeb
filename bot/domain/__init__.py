"""The domain: pure values and rules of the review process (no database session, no Slack).

Review rules and the tally, constituencies, membership terms and dates, the clock, escaping of
user text, the ids every Slack surface uses, the official list of councils, the settings as
values. Everything above (services, builders, the sending layer, listeners) may use it.
"""
