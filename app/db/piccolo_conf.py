"""Piccolo's configuration module (`PICCOLO_CONF=app.db.piccolo_conf`).

`DB` is looked up lazily so importing this module never reads the settings; the engine
is the one `app.db.engine` has in use.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["app.db.piccolo_app"])


def __getattr__(name: str) -> Any:
    if name == "DB":
        from app.db.engine import current

        return current()
    raise AttributeError(name)
