"""The sending layer: everything the bot says in Slack goes through here.

Posts re-rendered from the database, messages sent exactly once (`once`), private answers to a
person (`tell`), App Home publishing, and the words for Slack's and the database's failures.
"""
