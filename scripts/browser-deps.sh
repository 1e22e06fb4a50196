#!/usr/bin/env bash
# What the browser tests need from Debian: Chromium, and a CJK font so Chinese renders with real
# glyphs. Installs what is missing (as root, apt-get update first); run by .ci/run and by the
# browser jest project's global setup, so `npm test` works on a fresh machine.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$chromium" ] || missing+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then
  missing+=(fonts-wqy-zenhei fontconfig)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "browser tests: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "browser tests need ${missing[*]}: install them (apt-get install ${missing[*]}) and re-run" >&2
  exit 1
fi
