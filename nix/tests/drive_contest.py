"""Drive one whole contest through the site's nginx and the Bot API emulator's control API.

The NixOS VM test runs this file inside the VM; `tests/stack/test_vm_driver.py` runs the
very same file against the local production stack. Standard library only, so any
Python 3.11 runs it: the organizer calls the Mini App API with initData signed by the
bot token (as `app/api/init_data.py` `sign` does), participants press the channel post's
Participate button in the emulator, and the script waits for the draw, checks the
results reply in the channel and that each winner got exactly one private message.

    python drive_contest.py --site http://contest-bot.test --emulator http://127.0.0.1:8081 \
        --token 123:AA... --organizer 700000001 --channel -1001234567890 \
        --members 1,2,3 --outsiders 4 --winners 2 --deadline-in 20

Prints a JSON summary and exits 0, or exits 1 with what went wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

# The API accepts a publish time up to a minute in the past and wants the deadline at
# least a minute after it: a start 50 s ago lets the deadline come seconds from now.
BACKDATED_START = timedelta(seconds=50)
HTTP_TIMEOUT = 60.0


class DriveError(Exception):
    """A step of the contest did not go as a real one must."""


def sign_init_data(token: str, user_id: int, first_name: str) -> str:
    """Mini App initData for the user, signed with the bot token exactly as Telegram does."""
    user = {
        "id": user_id,
        "first_name": first_name,
        "username": f"user{user_id}",
        "language_code": "en",
        "allows_write_to_pm": True,
    }
    fields = {
        "auth_date": str(int(time.time())),
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        "query_id": "AAH-vm-driver",
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    if not url.startswith(("http://", "https://")):
        raise DriveError(f"not an http(s) URL: {url}")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, method=method, headers=dict(headers or {})
    )
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


class Emulator:
    """The emulator's HTTP control API: `POST /_emulator/<action>` with keyword arguments."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def __call__(self, action: str, **kwargs: Any) -> Any:
        status, reply = http_json("POST", f"{self.base_url}/_emulator/{action}", kwargs)
        if status != 200 or not reply.get("ok"):
            raise DriveError(f"emulator {action}({kwargs}): {status} {reply}")
        return reply["result"]

    def private_messages(self, user_id: int) -> list[dict[str, Any]]:
        return self("messages_to_user", user_id=user_id)


class Organizer:
    """The organizer calling the Mini App API through nginx."""

    def __init__(self, site: str, token: str, user_id: int) -> None:
        self.site = site.rstrip("/")
        self.token = token
        self.user_id = user_id

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        authorization = f"tma {sign_init_data(self.token, self.user_id, 'Olga')}"
        status, reply = http_json(
            method, self.site + path, body, headers={"Authorization": authorization}
        )
        if status not in (200, 201):
            raise DriveError(f"{method} {path}: {status} {reply}")
        return reply


def wait_until(what: str, check: Callable[[], Any], timeout: float) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise DriveError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)


def create_and_publish(
    organizer: Organizer, channel: str, title: str, winners: int, deadline_in: float
) -> int:
    now = datetime.now(UTC)
    card = organizer.ok(
        "POST",
        "/api/organizer/contests",
        {
            "title": title,
            "description": "A whole contest driven through nginx",
            "winnersCount": winners,
            "reserveCount": 1,
            "publishAt": (now - BACKDATED_START).isoformat(),
            "endsAt": (now + timedelta(seconds=deadline_in)).isoformat(),
            "requiredChannels": [channel],
            "targetChannels": [channel],
            "notifyParticipants": False,
            "resultsMode": "reply",
        },
    )
    published = organizer.ok("POST", f"/api/organizer/contests/{card['id']}/publish")
    if published["status"] != "active":
        raise DriveError(f"published contest is {published['status']}")
    return card["id"]


def press_participate(
    emulator: Emulator, user_id: int, channel_id: int, post_id: int, contest_id: int
) -> dict[str, Any]:
    """The user taps Participate under the channel post; returns the bot's answer."""
    query = emulator(
        "press_button",
        user_id=user_id,
        chat_id=channel_id,
        message_id=post_id,
        data=f"v1j:{contest_id}",
    )
    return emulator("wait_for_answer", query_id=query["id"], timeout=30)


def drive(args: argparse.Namespace) -> dict[str, Any]:
    emulator = Emulator(args.emulator)
    organizer = Organizer(args.site, args.token, args.organizer)
    channel = next(chat for chat in emulator_chats(emulator) if chat_matches(chat, args.channel))
    handle = f"@{channel['username']}"

    contest_id = create_and_publish(organizer, handle, args.title, args.winners, args.deadline_in)
    (post,) = emulator("wait_for_bot_messages", chat_id=channel["id"], count=1, timeout=30)
    if args.title not in (post.get("text") or post.get("caption") or ""):
        raise DriveError(f"the channel post does not name the contest: {post}")

    before = {uid: len(emulator.private_messages(uid)) for uid in args.members}
    for user_id in args.members:
        answer = press_participate(emulator, user_id, channel["id"], post["message_id"], contest_id)
        if not answer.get("text"):
            raise DriveError(f"member {user_id} got an empty answer: {answer}")
    for user_id in args.outsiders:
        press_participate(emulator, user_id, channel["id"], post["message_id"], contest_id)

    stats_path = f"/api/organizer/contests/{contest_id}/stats"
    stats = wait_until(
        "the draw",
        lambda: (s := organizer.ok("GET", stats_path))["status"] == "finished" and s,
        args.deadline_in + args.draw_timeout,
    )
    if stats["participantCount"] != len(args.members):
        raise DriveError(f"{stats['participantCount']} participants, not {len(args.members)}")
    winners = organizer.ok("GET", f"/api/contests/{contest_id}/results")["winners"]
    if len(winners) != args.winners or not set(winners) <= set(args.members):
        raise DriveError(f"winners {winners} are not {args.winners} of {args.members}")

    channel_posts = emulator("wait_for_bot_messages", chat_id=channel["id"], count=2, timeout=30)
    announcement = channel_posts[-1]
    if (announcement.get("reply_to_message") or {}).get("message_id") != post["message_id"]:
        raise DriveError(f"the results are not a reply to the contest post: {announcement}")

    def winners_told() -> bool:
        return all(len(emulator.private_messages(uid)) > before[uid] for uid in winners)

    wait_until("the winners' private messages", winners_told, args.draw_timeout)
    time.sleep(args.settle)  # a second message to anyone would arrive within this
    for user_id in args.members:
        new = emulator.private_messages(user_id)[before[user_id] :]
        expected = 1 if user_id in winners else 0
        if len(new) != expected:
            texts = [message.get("text") for message in new]
            raise DriveError(f"user {user_id} got {len(new)} messages, not {expected}: {texts}")
    return {
        "contest": contest_id,
        "participants": stats["participantCount"],
        "winners": winners,
        "announcement": announcement["message_id"],
    }


def emulator_chats(emulator: Emulator) -> list[dict[str, Any]]:
    status, reply = http_json("GET", f"{emulator.base_url}/_emulator/state")
    if status != 200:
        raise DriveError(f"emulator state: {status} {reply}")
    return reply["result"]["chats"]


def chat_matches(chat: dict[str, Any], wanted: str) -> bool:
    return str(chat["id"]) == wanted or f"@{chat.get('username')}" == wanted


def id_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, help="nginx base URL")
    parser.add_argument("--emulator", required=True, help="Bot API emulator base URL")
    parser.add_argument("--token", required=True, help="bot token initData is signed with")
    parser.add_argument("--organizer", type=int, required=True, help="an ADMIN_IDS user")
    parser.add_argument("--channel", required=True, help="chat id or @username")
    parser.add_argument("--members", type=id_list, required=True, help="comma-separated ids")
    parser.add_argument("--outsiders", type=id_list, default=[], help="non-members' ids")
    parser.add_argument("--winners", type=int, default=2)
    parser.add_argument("--title", default="VM giveaway")
    parser.add_argument("--deadline-in", type=float, default=20.0, help="seconds from now")
    parser.add_argument("--draw-timeout", type=float, default=90.0)
    parser.add_argument("--settle", type=float, default=2.0)
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        summary = drive(parse_args(argv))
    except DriveError as error:
        print(f"drive_contest: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
