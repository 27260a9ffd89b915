#!/usr/bin/env bash
# Everything the test suite needs beyond `npm ci`, installed on first use and reused after: Debian packages
# (chromium for the UI tests; ripgrep, pkg-config, build tools and libkrb5-dev for code-server's native modules) and
# code-server itself (scripts/install-code-server.sh, cached in .vscode-test/). `npm test` runs this first, so the
# README's one test command works on a fresh machine; .ci/run calls `npm test` and nothing else.
# As root it runs apt-get itself; otherwise through sudo when that needs no password, else it prints the one command
# to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v g++ >/dev/null || need+=(build-essential)
command -v python3 >/dev/null || need+=(python3)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then as_root=()
  elif sudo -n true 2>/dev/null; then as_root=(sudo -n)
  else
    echo "The tests need these Debian packages: ${need[*]}. Install them once with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages the tests need: ${need[*]}" >&2
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
bash scripts/install-code-server.sh >/dev/null
