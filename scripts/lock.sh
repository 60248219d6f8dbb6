#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml: every package, direct and transitive, pinned with its
# sha256 hashes, resolved for Python 3.11 on every platform (uv's universal resolution).
#   requirements.lock      the runtime set: docker/Dockerfile installs exactly this (pip --require-hashes)
#   requirements-dev.lock  runtime + the [dev] extra (tests, linters), for CI images that want it
# Run after any change to the dependency lists:  scripts/lock.sh   (then commit both files)
# `scripts/lock.sh --check` exits 1 when a lock is out of date with pyproject.toml (nothing written).
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.8
if [ ! -x .venv/bin/uv ] || [ "$(.venv/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  [ -x .venv/bin/python ] || { echo "run ./run.sh or ./test.sh once first (creates .venv)" >&2; exit 1; }
  .venv/bin/pip install -q "uv==$UV_VERSION"
fi

compile() {  # compile <output> [extra args]
  local output=$1
  shift
  .venv/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
    --custom-compile-command "scripts/lock.sh" "$@" --output-file "$output"
}

if [ "${1:-}" = "--check" ]; then
  status=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for pair in "requirements.lock:" "requirements-dev.lock:--extra=dev"; do
    file=${pair%%:*}
    extra=${pair#*:}
    # Keep what is locked unless pyproject.toml asks for something else (no upgrades during a check).
    cp "$file" "$tmp/$file" 2>/dev/null || true
    compile "$tmp/$file" ${extra:+"$extra"}
    if ! diff -q "$file" "$tmp/$file" >/dev/null 2>&1; then
      echo "$file is out of date with pyproject.toml: run scripts/lock.sh" >&2
      status=1
    fi
  done
  exit $status
fi

compile requirements.lock
compile requirements-dev.lock --extra=dev
echo "wrote requirements.lock ($(grep -c '^[a-z0-9]' requirements.lock) packages) and requirements-dev.lock ($(grep -c '^[a-z0-9]' requirements-dev.lock) packages)"
