#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs every test (labels: engine, core, ui, integration).
#   scripts/test.sh                 everything
#   scripts/test.sh -L engine       one label (arguments go to ctest)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh

build_dir="${FEDPILOT_BUILD_DIR:-build}"
# Real face data for the data tests, when present (they skip cleanly without it).
export FEDPILOT_FACE_DATA="${FEDPILOT_FACE_DATA:-$(cd .. && pwd)/shared/data/faces}"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
ctest --test-dir "$build_dir" --output-on-failure -j "${FEDPILOT_TEST_JOBS:-2}" "$@"
