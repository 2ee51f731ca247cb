#!/usr/bin/env bash
# Installs the Debian packages dmzwatch uses outside Python, when they are missing:
#   postgresql-NN, postgresql-NN-postgis-3   the PostGIS store and its tests
#   chromium                                 PDF reports and the web map's browser tests
#   poppler-utils                            pdftoppm/pdfinfo, to check and render report PDFs
#   fonts-liberation, fonts-dejavu-core      the report's fonts
#   npm                                      the web map's JavaScript library (Leaflet)
# Idempotent: installs nothing when all is there. Needs root (or sudo) on Debian/Ubuntu;
# elsewhere it says what to install and exits 0 so that setup can go on.
set -euo pipefail

have_postgis() {
    local bindir version
    for bindir in /usr/lib/postgresql/*/bin; do
        [ -x "$bindir/initdb" ] || continue
        version=$(basename "$(dirname "$bindir")")
        [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] && return 0
    done
    return 1
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
command -v npm >/dev/null 2>&1 || missing+=(npm)
need_postgis=0
have_postgis || need_postgis=1

if [ ${#missing[@]} -eq 0 ] && [ $need_postgis -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: no apt-get; install by hand: ${missing[*]} $([ $need_postgis -eq 1 ] && echo 'PostgreSQL with PostGIS')" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ $need_postgis -eq 1 ]; then
    # the newest postgresql-NN-postgis-3 the package lists offer (Debian 12: 15)
    pkg=$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | awk '{print $1}' | sort -V | tail -n 1)
    if [ -z "$pkg" ]; then
        echo "setup-system: no postgresql-NN-postgis-3 package found" >&2
        exit 1
    fi
    version=$(echo "$pkg" | sed -E 's/^postgresql-([0-9]+)-postgis-3$/\1/')
    missing+=("postgresql-$version" "$pkg")
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ $need_postgis -eq 1 ]; then
    have_postgis
fi
