#!/usr/bin/env bash
# One entrypoint for the image's three roles (and for CI, which runs it without Docker):
#   web     apply database migrations, then exec gunicorn (config/gunicorn.conf.py) on tool:create_app()
#   worker  exec a Celery worker; SIGTERM is Celery's warm shutdown (the current task finishes)
#   beat    exec Celery beat (scheduled work: stuck-job sweeper, retention)
#   migrate apply database migrations and exit
#   cli     the stepping-stones command, e.g. `cli lti list`, `cli lti rotate-keys`
#   anything else runs as a command (e.g. `stepping-stones deployments list`).
# `exec` hands the process to the server so SIGTERM from Docker or systemd reaches it directly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# A fresh clone has the project in .venv (scripts/setup-venv.sh); the image installs it system-wide.
if [ -x "$ROOT/.venv/bin/python" ]; then
  PYTHON="$ROOT/.venv/bin/python"
else
  PYTHON="${PYTHON:-python}"
fi
LOGLEVEL="${SS_LOG_LEVEL:-INFO}"

cli() {
  "$PYTHON" -c 'from tool.cli import main; main(prog_name="stepping-stones")' "$@"
}

# Refuse to start on invalid or insecure settings with one readable line per problem (no traceback).
check_settings() {
  "$PYTHON" - <<'PY'
import sys

from pydantic import ValidationError

from config.settings import Settings

try:
    Settings()
except ValidationError as exc:
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        print(f"configuration refused: {where + ': ' if where else ''}{error['msg']}", file=sys.stderr)
    sys.exit(2)
PY
}

role="${1:-web}"
[ $# -gt 0 ] && shift
case "$role" in
  web|worker|beat|migrate) check_settings ;;
esac
case "$role" in
  web)
    cli db upgrade
    exec "$PYTHON" -m gunicorn --config "$ROOT/config/gunicorn.conf.py" "$@"
    ;;
  worker)
    exec "$PYTHON" -m celery -A worker.app worker \
      --loglevel "$LOGLEVEL" \
      --concurrency "${SS_WORKER_CONCURRENCY:-4}" \
      --hostname "${SS_WORKER_NAME:-worker}@%h" \
      --without-gossip --without-mingle "$@"
    ;;
  beat)
    schedule_dir="${SS_INSTANCE_DIR:-$ROOT/instance}"
    mkdir -p "$schedule_dir"
    exec "$PYTHON" -m celery -A worker.app beat \
      --loglevel "$LOGLEVEL" \
      --schedule "$schedule_dir/celerybeat-schedule" "$@"
    ;;
  migrate)
    cli db upgrade
    ;;
  cli)
    cli "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
