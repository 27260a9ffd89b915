#!/usr/bin/env bash
# Stands in for the "VS Code executable" of @vscode/test-electron's runTests({ vscodeExecutablePath }): this machine
# cannot download VS Code, so the tests run in code-server's real Node extension host, opened in Debian Chromium.
# test-electron spawns us with --extensionDevelopmentPath=… --extensionTestsPath=… [launchArgs] and reads our exit
# code. We start code-server on a free loopback port, run the tests through scripts/exttest.js, stop the server and
# exit with the tests' code. Needs CODE_SERVER (the binary from scripts/install-code-server.sh).
set -uo pipefail
HERE="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
CODE_SERVER="${CODE_SERVER:?set CODE_SERVER to the code-server binary (scripts/install-code-server.sh prints it)}"
DEV=""; TESTS=""; FOLDER=""
for a in "$@"; do
  case "$a" in
    --extensionDevelopmentPath=*) DEV="${a#*=}" ;;
    --extensionTestsPath=*) TESTS="${a#*=}" ;;
    --version) exec "$CODE_SERVER" --version ;;
    --*) : ;;                         # Electron/desktop flags (--no-sandbox, --disable-updates, …) do not apply
    *) [ -d "$a" ] && FOLDER="$a" ;;  # the workspace folder from launchArgs
  esac
done
[ -n "$DEV" ] && [ -n "$TESTS" ] || { echo "code-shim: need --extensionDevelopmentPath= and --extensionTestsPath=" >&2; exit 2; }
STATE="$(mktemp -d -t resnext-code-shim.XXXXXX)"
[ -n "$FOLDER" ] || { FOLDER="$STATE/workspace"; mkdir -p "$FOLDER"; }
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
mkdir -p "$STATE/user/User"
echo '{"workbench.startupEditor":"none","telemetry.telemetryLevel":"off","update.mode":"none","extensions.autoCheckUpdates":false,"extensions.autoUpdate":false}' > "$STATE/user/User/settings.json"
XDG_CONFIG_HOME="$STATE/xdg" XDG_DATA_HOME="$STATE/xdg" "$CODE_SERVER" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --config "$STATE/config.yaml" \
  --user-data-dir "$STATE/user" --extensions-dir "$STATE/extensions" > "$STATE/server.log" 2>&1 &
CS_PID=$!
cleanup() {
  kill "$CS_PID" 2>/dev/null; wait "$CS_PID" 2>/dev/null
  [ -n "${KEEP_SERVER_LOG:-}" ] && cp "$STATE/server.log" "$KEEP_SERVER_LOG"
  rm -rf "$STATE"
}
trap cleanup EXIT
for _ in $(seq 1 120); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
node "$HERE/exttest.js" "http://127.0.0.1:$PORT" "$DEV" "$TESTS" "$FOLDER"
