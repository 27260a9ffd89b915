#!/usr/bin/env bash
# Installs code-server (VS Code server + web workbench; 4.100.3 = VS Code 1.100.3, the newest that runs on Node 20)
# from the npm registry into a cached folder, for the integration and UI tests. Idempotent: a finished install is
# kept (marker file) and reused. Needs apt packages: build-essential python3 pkg-config libkrb5-dev ripgrep.
# Prints the path of the code-server executable on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CS_VERSION="${CS_VERSION:-4.100.3}"
DIR="$ROOT/.vscode-test/code-server-$CS_VERSION"
BIN="$DIR/node_modules/.bin/code-server"
if [ -f "$DIR/.installed" ] && [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
rm -rf "$DIR"; mkdir -p "$DIR"; cd "$DIR"
echo '{"name":"code-server-install","private":true}' > package.json
export TMPDIR="$DIR/.tmp"; mkdir -p "$TMPDIR"
# @vscode/ripgrep's postinstall downloads rg from GitHub, which this machine cannot reach: pre-seed its download
# cache with Debian's rg under every name the versions code-server pulls in look for.
RG="$(command -v rg)" || { echo "install-code-server: ripgrep (apt) is required" >&2; exit 1; }
RG_TMP="$(mktemp -d)"; cp "$RG" "$RG_TMP/rg"
for v in 1.15.11 1.15.12 1.15.13 1.15.14 1.16.0 1.17.0 1.17.1 1.18.0; do
  c="$TMPDIR/vscode-ripgrep-cache-$v"; mkdir -p "$c"
  for t in v13.0.0-10 v13.0.0-13 v14.1.1-1 v15.0.0-1; do
    tar czf "$c/ripgrep-$t-x86_64-unknown-linux-musl.tar.gz" -C "$RG_TMP" rg
  done
done
rm -rf "$RG_TMP"
export npm_config_unsafe_perm=true                    # code-server's postinstall refuses to run as root otherwise
export npm_config_yes=true                            # node-pty's postinstall runs `npx node-gyp`
export npm_config_dangerously_allow_all_scripts=true  # npm 11: code-server's native modules need their install scripts
npm install --no-audit --no-fund --no-save --foreground-scripts "code-server@$CS_VERSION" >&2
"$BIN" --version >&2
rm -rf "$TMPDIR"
touch .installed
echo "$BIN"
