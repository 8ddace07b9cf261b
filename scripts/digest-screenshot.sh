#!/usr/bin/env bash
# Renders the demo tenant's digest as its email shows in a browser, for README.md:
# `trellin demo` (sample mailbox), then `trellin digest --out`, then headless Chromium.
# Needs Chromium (Debian: apt-get install chromium) and a DATABASE_URL (or Trellin's own cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
cargo run -q --bin trellin -- demo >/dev/null
cargo run -q --bin trellin -- --now 2026-11-20T09:00:00Z digest --tenant northwind --out "$out" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=760,1160 --screenshot="$PWD/docs/digest-email.png" "file://$out/digest.html" 2>/dev/null
cp "$out/chart.png" docs/digest-chart.png
echo "docs/digest-email.png and docs/digest-chart.png written from $out"
