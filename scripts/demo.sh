#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs the demo pilot: a coordinator and three site
# processes on loopback over gRPC with mutual TLS, on built-in synthetic faces. Then opens the
# desktop application on the coordinator's history when a display is available.
#   scripts/demo.sh [options for fedpilot-cli demo, e.g. --strategy fedavg --rounds 3]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh

out="${FEDPILOT_DEMO_OUT:-$PWD/demo-output}"
rm -rf "$out"
mkdir -p "$out"
echo "demo: coordinator + 3 sites on loopback (gRPC + mutual TLS), synthetic faces; results in $out"
build/bin/fedpilot-cli demo --synthetic --sites 3 --rounds 2 --out "$out" "$@"

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -z "${FEDPILOT_DEMO_NO_GUI:-}" ]]; then
  echo "demo: opening the desktop application on the coordinator workspace"
  build/bin/fedpilot --workspace "$out/coordinator" --role coordinator &
else
  echo "demo: no display; the charts and report are also available headless:"
  echo "  build/bin/fedpilot-cli report --db $out/coordinator/coordinator.db --out $out/report.pdf"
fi
