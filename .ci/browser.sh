#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (analytics_assets_tests/test_browser.py) if
# the machine has none. Playwright (a pip package of the `test` extra) drives it through
# executable_path=/usr/bin/chromium; `playwright install` is never run, since it downloads a
# browser build of its own. Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail
CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
  # Root runs apt-get itself; anyone else needs sudo.
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-liberation >&2
fi
"$CHROMIUM" --version
