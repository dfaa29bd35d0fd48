# contest-bot-restore DUMP: put the `contest-bot` database back from a dump written by
# services.postgresqlBackup (plain SQL with CREATE DATABASE; .zstd, .gz or uncompressed),
# with every role stopped meanwhile. Installed on the host by nix/module/backup.nix;
# terraform/README.md ("Backups and restoring PostgreSQL") is the runbook, and
# tests/test_backup.py runs this very file against a fresh PostgreSQL.
set -euo pipefail

dump="${1:?usage: contest-bot-restore DUMP   e.g. /var/backup/postgresql/contest-bot.sql.zstd}"
case "$dump" in
  *.zstd | *.zst) decompress=(zstd -dcq) ;;
  *.gz) decompress=(gzip -dc) ;;
  *) decompress=(cat) ;;
esac

# A dump that does not decompress to the end is refused before anything is dropped.
"${decompress[@]}" "$dump" >/dev/null

echo "stopping every role of Contest Bot" >&2
systemctl stop contest-bot.target
runuser -u postgres -- dropdb --if-exists --force contest-bot
"${decompress[@]}" "$dump" | runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null
echo "restored $dump; starting Contest Bot (migrations first)" >&2
systemctl start contest-bot.target
