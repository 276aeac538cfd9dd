#!/usr/bin/env bash
# System packages the project uses where it can: bubblewrap isolates the Python tool's sandbox (namespaces:
# no network, read-only host, private /tmp). Without it the sandbox falls back to rlimits only and says so.
set -u
if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing bubblewrap for the Python tool sandbox"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
    || echo "warning: could not install bubblewrap; the Python sandbox will use rlimits only" >&2
else
  echo "note: install bubblewrap (e.g. 'sudo apt-get install bubblewrap') for a stronger Python tool sandbox" >&2
fi
exit 0
