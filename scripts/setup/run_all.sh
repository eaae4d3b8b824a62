#!/usr/bin/env bash
# Installs what the client tests drive (Debian packages, npm modules, tools in venvs of their
# own). Each scripts/setup/NN-*.sh is idempotent and fast once done; `make test` runs them all.
set -euo pipefail
cd "$(dirname "$0")"
for step in [0-9][0-9]-*.sh; do
    [ -e "$step" ] || continue
    echo "[setup] $step"
    bash "$step"
done
