"""getUserProfilePhotos, as the Bot API documents it.

`user_id` is required; `offset` (default 0) skips photos, newest first; `limit` takes
1-100 (default 100; the Bot API server clamps values outside). The answer is
UserProfilePhotos: `total_count` and `photos`, each photo a list of PhotoSize, smallest
first. A user who shows their photos to nobody has none for bots.
"""

from __future__ import annotations

from typing import Any

from tests.telegram_emulator.errors import USER_NOT_FOUND, bad_request

from . import Call, api_method

LIMIT_MAX = 100


@api_method("getUserProfilePhotos")
def get_user_profile_photos(call: Call) -> dict[str, Any]:
    user = call.world.users.get(call.params.required_int("user_id"))
    if user is None:
        raise bad_request(USER_NOT_FOUND)
    offset = max(0, call.params.int("offset", 0) or 0)
    limit = min(LIMIT_MAX, max(1, call.params.int("limit", LIMIT_MAX) or 1))
    photos = [] if user.photos_hidden else user.profile_photos
    return {
        "total_count": len(photos),
        "photos": [
            [size.photo_api()[0] for size in photo] for photo in photos[offset : offset + limit]
        ],
    }
