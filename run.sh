#!/usr/bin/env bash
# Sets up everything and runs Stepping Stones on embedded defaults:
# SQLite, a server-less broker, the bundled development LMS, the offline generator
# (unless SS_LLM_API_KEY is set). Web, Celery worker and development LMS start together.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh
exec .venv/bin/stepping-stones demo "$@"
