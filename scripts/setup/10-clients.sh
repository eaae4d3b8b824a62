#!/usr/bin/env bash
# The client programs of tests/clients/: pgbench (PostgreSQL 15), PgBouncer, the PostgreSQL JDBC
# driver and a JDK, Node.js with node-postgres (npm ci from the committed lock file). pgcli and
# Alembic are Python packages in the project's `test` extra.
# Idempotent: does nothing once every package and node_modules are in place.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup/apt.sh

# Debian packages, each with a file that shows it is installed.
declare -A WANTS=(
    [postgresql-15]=/usr/lib/postgresql/15/bin/pgbench
    [pgbouncer]=/usr/sbin/pgbouncer
    [libpostgresql-jdbc-java]=/usr/share/java/postgresql.jar
    [openjdk-17-jdk-headless]=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
)
missing=()
for pkg in "${!WANTS[@]}"; do
    [ -e "${WANTS[$pkg]}" ] || missing+=("$pkg")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# node-postgres, exactly as locked; redone only when the lock file is newer than the install.
NODE_DIR=tests/clients/node
if [ ! -d "$NODE_DIR/node_modules/pg" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
