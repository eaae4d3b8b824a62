#!/usr/bin/env bash
# pgAdmin 4 and Debian's Chromium for tests/clients/test_pgadmin.py. pgAdmin pins its own Flask
# stack, so it lives in a venv of its own (.venv-pgadmin), never in the project's .venv.
# Idempotent: does nothing once chromium, chromedriver and the pgadmin4 package are present.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup/apt.sh

PGADMIN_VERSION="9.*"
VENV=.venv-pgadmin
PYTHON=${PYTHON:-python3.11}

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
fi

# The stamp is written only after pip succeeded, so an interrupted install is redone.
if [ ! -e "$VENV/.installed" ]; then
    test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "pgadmin4==$PGADMIN_VERSION"
    touch "$VENV/.installed"
fi
