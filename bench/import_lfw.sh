#!/usr/bin/env bash
# Face import benchmark on LFW (docs/benchmarks.md, section "Face import"): the whole of
# lfw-deepfunneled imported from scratch with 2 worker threads and with 1, each into a fresh
# site DB; prints wall seconds, images/s and the face-detection rate.
# Usage: bench/import_lfw.sh [path/to/fedpilot-cli]   (FEDPILOT_FACE_DATA overrides the data path)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=${1:-build/bin/fedpilot-cli}
DATA=${FEDPILOT_FACE_DATA:-../shared/data/faces}
LFW="$DATA/lfw-deepfunneled"
[ -d "$LFW" ] || { echo "no LFW at $LFW (set FEDPILOT_FACE_DATA)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
field() { grep -o "\"$1\": [0-9.]*" "$2" | head -1 | awk '{print $2}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for threads in ${THREADS:-2 1}; do
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$CLI" import --folder "$LFW" --db "$WORK/t$threads.db" --cache "$WORK/t$threads.fpcache" \
      --threads "$threads" --json > "$WORK/t$threads.json"
  seconds=$(field seconds "$WORK/t$threads.json")
  decoded=$(field decoded "$WORK/t$threads.json")
  faces=$(field faces_detected "$WORK/t$threads.json")
  total=$(field images_total "$WORK/t$threads.json")
  awk -v t="$threads" -v s="$seconds" -v n="$total" -v d="$decoded" -v f="$faces" 'BEGIN {
    printf "threads %d: %d files in %.1f s = %.1f images/s; faces detected in %d of %d decoded images (%.2f%%)\n",
           t, n, s, n / s, f, d, 100 * f / d }'
done
