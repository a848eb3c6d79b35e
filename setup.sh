#!/usr/bin/env bash
# Sets up a fresh Debian machine (Python 3.11, root) and builds every output with
# the default practice into build/. Safe to run again. --no-build only installs.
set -euo pipefail
cd "$(dirname "$0")"

debs=(fontconfig fonts-noto-core fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 poppler-utils default-jre-headless libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 strace postgresql chromium)
missing=()
for d in "${debs[@]}"; do dpkg -s "$d" >/dev/null 2>&1 || missing+=("$d"); done
# Java may already be present without Debian's package; EPUBCheck only needs `java`.
if command -v java >/dev/null 2>&1; then missing=("${missing[@]/default-jre-headless}"); fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -e ".[test]"

# DAISY Ace (EPUB accessibility checker) and axe-core (the desk's page checker) for the test suite, with
# Debian's Chromium as their browser. Optional: without npm those tests are skipped and everything else works.
if command -v npm >/dev/null 2>&1; then
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{"private": true}' > .tools/package.json  # keeps npm from installing into a parent folder
  if [ ! -x .tools/node_modules/.bin/ace-puppeteer ]; then
    (cd .tools && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --ignore-scripts @daisy/ace >/dev/null) \
      || echo "setup: could not install DAISY Ace; its test will be skipped"
  fi
  if [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
    (cd .tools && npm install --silent --no-audit --no-fund --ignore-scripts axe-core >/dev/null) \
      || echo "setup: could not install axe-core; the desk's accessibility checks will be skipped"
  fi
fi

if [ "${1:-}" != "--no-build" ]; then
  python3 make_book.py build
fi
