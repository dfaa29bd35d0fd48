"""Conversation states: the creation wizard and the organizer's free-text answers."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Wizard(StatesGroup):
    title = State()
    description = State()
    photo = State()
    winners = State()
    deadline = State()
    max_participants = State()
    required = State()
    targets = State()
    preview = State()
    publish_at = State()


class Managing(StatesGroup):
    field = State()
    channels = State()
    redraw_reason = State()
    exclusion_reason = State()
