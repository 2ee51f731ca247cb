#!/usr/bin/env bash
# Installs PostgreSQL and PostGIS (Debian packages) for the PostGIS store and its tests.
# Idempotent: does nothing when a PostGIS extension is already installed. Needs root (or sudo)
# on Debian/Ubuntu; elsewhere it says what to install and exits 0 so setup can go on.
set -euo pipefail

have_postgis() {
    local bindir
    for bindir in /usr/lib/postgresql/*/bin; do
        [ -x "$bindir/initdb" ] || continue
        local version
        version=$(basename "$(dirname "$bindir")")
        if ls /usr/share/postgresql/"$version"/extension/postgis.control >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

if have_postgis; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "postgis-setup: no apt-get; install PostgreSQL with PostGIS by hand" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The newest postgresql-NN-postgis-3 that the package lists offer (Debian 12: 15).
pkg=$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | awk '{print $1}' | sort -V | tail -n 1)
if [ -z "$pkg" ]; then
    echo "postgis-setup: no postgresql-NN-postgis-3 package found" >&2
    exit 1
fi
version=$(echo "$pkg" | sed -E 's/^postgresql-([0-9]+)-postgis-3$/\1/')
$SUDO apt-get install -y -q --no-install-recommends "postgresql-$version" "$pkg"
have_postgis
