#!/usr/bin/env bash
# Installs the Debian packages dmzwatch uses outside Python:
#   chromium        headless printing of reports to PDF, and the browser tests of the web map
#   poppler-utils   pdftoppm/pdfinfo, to check and render report PDFs in tests and docs
#   fonts-liberation, fonts-dejavu-core   the report's fonts
# Idempotent: installs only what is missing (nothing when all is there). Needs root (or sudo)
# on Debian/Ubuntu; elsewhere it says what to install and exits 0 so setup can go on.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: no apt-get; install by hand: ${missing[*]}" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
