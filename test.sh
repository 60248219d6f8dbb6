#!/usr/bin/env bash
# Sets up everything the tests need (venv, Debian chromium, the small local model) and runs them.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh dev
source scripts/setup-test-deps.sh
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
