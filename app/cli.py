"""The `contest-bot` command: one entry point for every role.

Roles (`api`, `bot`, `worker`, `scheduler`, `migrate`) are what production runs as
separate processes; `dev` runs them all in one process on the embedded defaults;
`verify` checks a draw's proof and needs no configuration.
"""

from __future__ import annotations

import importlib
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.config import Settings, load_settings
from app.errors import ConfigError, ContestBotError, NotConfiguredError, ProofError
from app.worker.multiproc import use_metrics_dir

if TYPE_CHECKING:
    from app.contests.frozen import FrozenList

READ_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
GZIP_WBITS = 31
ROLES = ("api", "bot", "worker", "scheduler", "migrate")

# role -> "module:function" of `async def role(settings: Settings) -> None`
ENTRY_POINTS = {
    "api": "app.api.server:serve",
    "bot": "app.bot.runner:run",
    "worker": "app.worker.runner:run_worker",
    "scheduler": "app.worker.runner:run_scheduler",
    "migrate": "app.db.migrate:migrate_role",
    "dev": "app.dev:run",
}
# roles whose metrics go to the shared METRICS_DIR, which the API's /metrics adds up
SHARED_METRICS = ("worker", "scheduler", "dev")


def _entry(role: str):  # type: ignore[no-untyped-def]
    module_name, function = ENTRY_POINTS[role].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise NotConfiguredError(
                f"the {role} role is not available in this installation ({module_name} missing)"
            ) from None
        raise
    return getattr(module, function)


def _run_role(role: str, **overrides: object) -> None:
    settings: Settings = load_settings(**overrides)
    if settings.dev_login and role != "dev":
        raise ConfigError("DEV_LOGIN=true is only allowed with `contest-bot dev`")
    if role in SHARED_METRICS:
        # before anything imports prometheus_client, which picks its store on import
        use_metrics_dir(settings)
    from app import runtime

    runtime.configure_logging(settings, "text" if role == "dev" else None)
    runtime.run(_entry(role), settings, name=role)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contest-bot")
def cli() -> None:
    """Contest Bot: Telegram giveaways with provably fair draws."""


@cli.command()
def dev() -> None:
    """Run every role in one process (SQLite, in-process tasks, polling)."""
    _run_role("dev")


@cli.command()
def api() -> None:
    """Serve the Mini App and organizer API (Litestar)."""
    _run_role("api")


@cli.command()
def bot() -> None:
    """Receive Telegram updates (webhook or long polling)."""
    _run_role("bot")


@cli.command()
def worker() -> None:
    """Run background tasks: draws, announcements, messages."""
    _run_role("worker")


@cli.command()
def scheduler() -> None:
    """Fire deadlines and periodic jobs (exactly one active per deployment)."""
    _run_role("scheduler")


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date, then exit."""
    _run_role("migrate")


@cli.command()
@click.argument("proof_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "user_id", type=int, help="Also check this Telegram user id's entry.")
@click.option(
    "--participants",
    "participants_source",
    help="The participants file (a path or an http(s) URL); default: the proof's participants_url.",
)
@click.option(
    "--beacon-key",
    "beacon_keys",
    multiple=True,
    help="Also trust this drand group key (hex), e.g. a test chain's; quicknet's is built in.",
)
def verify(
    proof_file: Path,
    user_id: int | None,
    participants_source: str | None,
    beacon_keys: tuple[str, ...],
) -> None:
    """Recompute a draw from its proof document (JSON) and check every claim.

    The drand beacon's BLS signature is checked offline against the quicknet group key
    built into this program, not against anything the proof or a server says.
    """
    from app.contests import beacon
    from app.contests import proof as proofs

    try:
        data = proof_file.read_bytes()
    except OSError as exc:
        raise ProofError(f"cannot read {proof_file}: {exc.strerror}") from None
    document = proofs.decode(data)
    frozen = None
    if not document.inline:
        source = participants_source or document.participants_url
        frozen = _read_participants(source, with_tickets=document.weighted)
    trusted = frozenset({beacon.QUICKNET_PUBLIC_KEY, *(key.lower() for key in beacon_keys)})
    problems = proofs.verify(document, frozen, trusted)
    for note in proofs.notes(document):
        click.echo(f"note: {note}")
    tickets = proofs.ticket_note(document, frozen)
    if tickets:
        click.echo(f"note: {tickets}")
    if user_id is not None:
        listed = None if frozen is None else user_id in frozen
        click.echo(proofs.inclusion(document, user_id, listed).describe())
        held = frozen.tickets_of(user_id) if frozen is not None and document.weighted else None
        if held is not None:
            click.echo(f"user {user_id} held {held} of the draw's tickets")
    if problems:
        click.echo(f"MISMATCH: the proof of contest {document.contest_id} does not verify:")
        for problem in problems:
            click.echo(f"  - {problem}")
        sys.exit(1)
    for item in document.excluded:
        click.echo(f"excluded: {item.describe()}")
    count = len(frozen) if frozen is not None else len(document.participants)
    click.echo(
        f"OK: contest {document.contest_id}: {count} participants, "
        f"winners {document.winners} and reserves {document.reserves} recomputed from the seed"
    )
    if document.final_check_skipped is not None:
        skipped = document.final_check_skipped
        click.echo(
            f"NOTE: drawn without the final check, chosen by user {skipped.by} at "
            f"{skipped.at}: the winners' conditions were not re-checked at the draw"
        )


def _read_participants(source: str, with_tickets: bool) -> FrozenList:
    """Stream a participants file from disk or over HTTP(S), hashing as it arrives."""
    from app.contests import frozen

    reader = frozen.Reader(with_tickets)
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            with httpx.stream("GET", source, follow_redirects=True, timeout=60) as response:
                if response.status_code != 200:
                    raise ProofError(f"{source} answered {response.status_code}")
                for chunk in response.iter_bytes(READ_CHUNK):
                    reader.feed(chunk)
        except httpx.HTTPError as exc:
            raise ProofError(f"cannot fetch the participants file {source}: {exc}") from None
        return reader.finish()
    if not source:
        raise ProofError("this proof names no participants file: pass --participants FILE")
    try:
        with open(source, "rb") as file:
            packed = file.read(2) == GZIP_MAGIC  # the file as the bot sends it
            file.seek(0)
            unpacker = zlib.decompressobj(GZIP_WBITS) if packed else None
            while chunk := file.read(READ_CHUNK):
                reader.feed(unpacker.decompress(chunk) if unpacker else chunk)
            if unpacker:
                reader.feed(unpacker.flush())
    except zlib.error as exc:
        raise ProofError(f"the participants file {source} is not valid gzip: {exc}") from None
    except OSError as exc:
        raise ProofError(f"cannot read the participants file {source}: {exc.strerror}") from None
    return reader.finish()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; our own errors become one line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="contest-bot", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        click.echo(f"contest-bot: configuration error: {exc}", err=True)
        sys.exit(2)
    except ProofError as exc:
        click.echo(f"contest-bot: {exc}", err=True)
        sys.exit(2)
    except ContestBotError as exc:
        click.echo(f"contest-bot: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
