#!/usr/bin/env bash
# The Tinker-API integration suite in one command (for CI and people): set up its venv (idempotent),
# then run tests/integration against a real Tinker-API server (SkyRL) on 127.0.0.1 through the
# official tinker SDK. Extra arguments go to pytest, e.g. `bash scripts/tinker_it/run.sh -k resume`.
#
# Inside this command a missing or unpatched server environment FAILS the suite instead of skipping
# it (TINKER_IT_REQUIRED=1); elsewhere (e.g. plain `pytest tests` in the dev venv) it is skipped
# with a message that points here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${TINKER_IT_VENV:-$root/.venv-tinker-it}"

bash "$here/setup.sh"

cd "$root"
export TINKER_IT_REQUIRED=1 HF_HUB_OFFLINE=1 JAX_PLATFORMS=cpu TOKENIZERS_PARALLELISM=false
start=$SECONDS
status=0
"$venv/bin/python" -m pytest tests/integration -m tinker_it -ra "$@" || status=$?
echo "[tinker_it] suite finished in $((SECONDS - start)) s (exit $status)"
exit "$status"
