#!/usr/bin/env bash
# Creates the virtual environment and installs dmzwatch with its development tools.
# Usage: scripts/setup.sh [PYTHON] [VENV]
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e '.[dev]'
# PostgreSQL + PostGIS for the PostGIS store and its tests (idempotent; skips when installed).
bash "$(dirname "$0")/postgis-setup.sh"
# Chromium (PDF reports, browser tests), poppler-utils and fonts (idempotent).
bash "$(dirname "$0")/setup-system.sh"
# npm, for the web map's JavaScript library (`make web`); idempotent.
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi
