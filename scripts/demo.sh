#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs the demo pilot on built-in synthetic faces.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh

out="${FEDPILOT_DEMO_OUT:-$PWD/demo-output}"
mkdir -p "$out"
echo "demo: a pilot in one process (pretraining, federated rounds, evaluation); results in $out"
build/bin/fedpilot-cli simulate --out "$out" "$@"
