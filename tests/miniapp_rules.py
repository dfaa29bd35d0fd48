"""The Mini App's copy of the contest limits and choices, generated from
`app.contests.rules.LIMITS` and `CHOICES`.

`uv run python -m tests.miniapp_rules` rewrites `app/miniapp/src/contestRules.ts`;
`tests/test_rules.py` fails while the committed file differs from what this renders.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.contests import rules

TARGET = Path(__file__).resolve().parent.parent / "app" / "miniapp" / "src" / "contestRules.ts"


def render() -> str:
    lines = [
        "// Generated from app/contests/rules.py by `uv run python -m tests.miniapp_rules`.",
        "// Do not edit: change the rule there and run the command again.",
        "",
    ]
    lines += [f"export const {name} = {value};" for name, value in rules.LIMITS.items()]
    lines += [
        f"export const {name} = {json.dumps(list(values))} as const;"
        for name, values in rules.CHOICES.items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}")
