#!/usr/bin/env bash
# Installs missing dependencies, then configures and builds a Release build in build/.
# Executables land in build/bin/ (fedpilot-cli, fedpilot, fedpilot-engine).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh

# ccache makes rebuilds (and CI on a machine that built before) fast; the precompiled torch
# header needs these sloppiness settings to be cacheable.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
# Paths relative to the checkout, so clones in other folders (CI) share the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"

build_dir="${FEDPILOT_BUILD_DIR:-build}"
jobs="${FEDPILOT_JOBS:-$(nproc)}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" -j "$jobs"
echo "build: done, executables in $build_dir/bin/"
