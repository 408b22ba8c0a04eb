#!/usr/bin/env bash
# The production recipe of the README, end to end: build here (npm run build), copy the tree with
# its build and without node_modules to another folder, install there as a deploy script or the
# second stage of a container build does (NODE_ENV=production npm ci --omit=dev: no TypeScript),
# serve with node dist/main.js and wait for /readyz to answer 200.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tokengate-prod-XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

npm run build >/dev/null
mkdir -p "$WORK/app"
tar -C "$ROOT" --exclude=./node_modules --exclude=./data --exclude=./test-results --exclude=./.ci/cache \
  --exclude=./.git -cf - . | tar -C "$WORK/app" -xf -
cd "$WORK/app"
echo "prod-install: NODE_ENV=production npm ci --omit=dev in $WORK/app"
NODE_ENV=production npm ci --omit=dev --no-audit --no-fund
if [ -e node_modules/typescript ]; then echo "prod-install: FAILED: TypeScript was installed" >&2; exit 1; fi

PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
NODE_ENV=production PORT=$PORT HOST=127.0.0.1 DATA_DIR="$WORK/data" LOG_FORMAT=json \
  AUTH_SECRET=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64"))') \
  node dist/main.js >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
  if curl -fsS "http://127.0.0.1:$PORT/readyz" >"$WORK/readyz.json" 2>/dev/null; then
    echo "prod-install: /readyz answered $(cat "$WORK/readyz.json")"
    exit 0
  fi
  sleep 1
done
echo "prod-install: FAILED: node dist/main.js did not become ready; its output:" >&2
cat "$WORK/server.log" >&2
exit 1
