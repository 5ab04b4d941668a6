#!/usr/bin/env bash
# Coordinator aggregation of N simulated MobileFaceNet updates (decode fp16+zstd, validate,
# streaming FedAvg): time and peak memory, for several N to show memory does not grow with N.
# Usage: bench/fed_aggregate.sh [build dir]
set -euo pipefail
BUILD=${1:-build}
for n in 10 100; do
  "$BUILD/bin/fedpilot-cli" coordinator bench-aggregate --updates "$n" --size 112 --embedding 512 --json
done
