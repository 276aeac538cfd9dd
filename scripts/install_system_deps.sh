#!/usr/bin/env bash
# System packages the project needs: bubblewrap isolates the Python tool's sandbox (namespaces: no network,
# read-only host, private capped /tmp, never host root). Without it the sandbox could only fall back to rlimits +
# seccomp, which can still read the host's files, so a failed install is an error, not a warning.
# Set SFT_ALLOW_NO_BWRAP=1 to continue without bubblewrap anyway (the sandbox then says isolation="rlimits").
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "error: $*" >&2
  if [ "${SFT_ALLOW_NO_BWRAP:-}" = "1" ]; then
    echo "warning: continuing without a working bubblewrap (SFT_ALLOW_NO_BWRAP=1)" >&2
    exit 0
  fi
  echo "install bubblewrap (e.g. 'sudo apt-get install bubblewrap'), or set SFT_ALLOW_NO_BWRAP=1 to accept" \
    "the weaker rlimits-only sandbox" >&2
  exit 1
}

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing bubblewrap for the Python tool sandbox"
    log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; } >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      rm -f "$log"
      fail "could not install bubblewrap with apt-get (output above)"
    fi
    rm -f "$log"
  else
    fail "bubblewrap (bwrap) is not installed and cannot be installed here (needs root and apt-get)"
  fi
fi

# jemalloc for the training and evaluation processes (Makefile: LD_PRELOAD when present). Optional: without it
# glibc's malloc is used, ~20% slower per training step on a 2-core CPU (it returns freed activation memory
# each step and faults it back in) but otherwise the same.
if ! ldconfig -p 2>/dev/null | grep -q 'libjemalloc.so.2'; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing jemalloc (faster memory allocation for training)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjemalloc2 >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjemalloc2 >/dev/null 2>&1; } \
      || echo "warning: could not install libjemalloc2; training uses glibc malloc (slower)" >&2
  else
    echo "note: libjemalloc2 is not installed; training uses glibc malloc (about 20% slower on CPU)" >&2
  fi
fi

# Installed is not enough: user namespaces may be disabled, or a container may forbid mounts. Ask the sandbox.
python="${SFT_PYTHON:-.venv/bin/python}"
if [ -x "$python" ]; then
  if ! reason="$("$python" -c 'from sft.tools.sandbox import bwrap_unavailable_reason as r; import sys
why = r()
print(why or "")
sys.exit(1 if why else 0)' 2>&1)"; then
    fail "bubblewrap is installed but the sandbox cannot use it: $reason"
  fi
fi
exit 0
