"""The contest domain: lifecycle, rules, conditions, the fair draw and its proof.

Nothing here knows Telegram, HTTP or the database; `app.db` stores what this decides.
"""
