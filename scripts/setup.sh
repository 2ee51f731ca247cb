#!/usr/bin/env bash
# Creates the virtual environment and installs dmzwatch with its development tools, and the
# Debian packages it needs (scripts/setup-system.sh; idempotent).
# Usage: scripts/setup.sh [PYTHON] [VENV]
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
bash "$(dirname "$0")/setup-system.sh"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -e '.[dev]'
