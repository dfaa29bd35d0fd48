"""The Piccolo app that owns Contest Bot's tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="contest_bot",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
