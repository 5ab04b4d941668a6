#!/usr/bin/env bash
# Training throughput: the C++ engine vs the same MobileFaceNet in Python PyTorch (Debian's
# python3-torch, same LibTorch version), same batch, input size and thread count, run alternately
# in one session so both see the same machine. Prints a Markdown table; medians of --repeats runs.
#   bench/train_bench.sh [--size 112] [--batch 64] [--steps 10] [--warmup 2] [--threads N] [--repeats 3]
set -euo pipefail
cd "$(dirname "$0")/.."

size=112 batch=64 steps=10 warmup=2 threads=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 )) repeats=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cli=build/bin/fedpilot-cli
[[ -x $cli ]] || { echo "build first: scripts/build.sh" >&2; exit 1; }
/usr/bin/python3 -c "import torch, numpy" 2>/dev/null || { echo "needs python3-torch and python3-numpy: scripts/deps.sh --bench" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cli" synth --cache "$work/faces.fpcache" --identities 100 --images $(( (batch * 4 + 99) / 100 > 4 ? (batch * 4 + 99) / 100 : 4 )) \
  --size "$size" --held-out-images 0 --json > /dev/null

value() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_s'])"; }
ratio() { /usr/bin/python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$1" "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
cpp=() cppnchw=() py=()
for ((r = 1; r <= repeats; r++)); do
  cpp+=("$("$cli" bench train --size "$size" --batch "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads" --json | value)")
  cppnchw+=("$("$cli" bench train --size "$size" --batch "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads" --no-channels-last --json | value)")
  py+=("$(/usr/bin/python3 bench/mobilefacenet_train_bench.py --cache "$work/faces.fpcache" --batch "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads" | value)")
  echo "run $r: C++ ${cpp[-1]}  C++ NCHW ${cppnchw[-1]}  Python ${py[-1]} images/s" >&2
done
c=$(median "${cpp[@]}") n=$(median "${cppnchw[@]}") p=$(median "${py[@]}")
echo "| engine | images/s (median of $repeats) | vs Python |"
echo "|---|---|---|"
printf '| C++ engine (channels-last, prefetching loader) | %.2f | %.2fx |\n' "$c" "$(ratio "$c" "$p")"
printf '| C++ engine (NCHW) | %.2f | %.2fx |\n' "$n" "$(ratio "$n" "$p")"
printf '| Python PyTorch %s (idiomatic Dataset/DataLoader loop) | %.2f | 1.00x |\n' "$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" "$p"
echo
echo "MobileFaceNet, ${size}x${size}, batch $batch, $threads thread(s), $steps timed steps after $warmup warm-up, $(nproc)-core $(uname -m), $(date -u +%F)"
