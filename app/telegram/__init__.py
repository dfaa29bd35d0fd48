"""Talking to Telegram, shared by the bot, the API and the worker.

- `client`: the one way to build an aiogram `Bot` (base URL from settings, limits).
- `membership`: channel subscription checks with getChatMember (fail closed).
- `joining`: the join flow both the bot and the Mini App use.
"""
