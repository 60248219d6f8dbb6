# Sourced by run.sh and test.sh: creates .venv with Python 3.11 and installs the project.
# With argument "dev", installs the test and lint tools too.
set -euo pipefail
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q -U pip
fi
extras=""
[ "${1:-}" = "dev" ] && extras="[dev]"
# A stamp skips the install when pyproject.toml has not changed since the last one.
stamp=".venv/.installed${extras:+-dev}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Stepping Stones and its dependencies into .venv …"
  # The build backend's notes about editable installs are noise here: show them only on failure.
  if ! .venv/bin/pip install -q -e ".${extras}" > .venv/install.log 2>&1; then
    cat .venv/install.log
    exit 1
  fi
  touch "$stamp"
fi
# The PDF exports use DejaVu Sans for full Unicode (tool/export/pdf.py); without it they fall back to a
# font with fewer characters. Installed once, only when missing and apt is at hand.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-dejavu-core; } >/dev/null \
    || echo "note: could not install fonts-dejavu-core; PDF exports use ReportLab's own font" >&2
fi
