#!/usr/bin/env bash
# Bytes per site per round (on the wire) against the raw fp32 size of the update, from a real
# loopback pilot (demo: coordinator + site processes, gRPC + mutual TLS, fp16 + zstd updates).
# Usage: bench/fed_traffic.sh [build dir] [sites] [rounds] [input size]
set -euo pipefail
BUILD=${1:-build}
SITES=${2:-3}
ROUNDS=${3:-2}
SIZE=${4:-32}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bin/fedpilot-cli" demo --sites "$SITES" --rounds "$ROUNDS" --synthetic --size "$SIZE" \
  --local-epochs 2 --pretrain-epochs 4 --out "$OUT" --json > "$OUT/result.json"
python3 - "$OUT/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"pilot {r['pilot']} ({r['strategy']}), {r['completed_rounds']} rounds")
print("round site      up_wire_B  up_raw_B  ratio  down_wire_B down_raw_B ratio")
ups, downs = [], []
for rnd in r["rounds"]:
    for s in rnd["sites"]:
        if s.get("kind") != "round":
            continue
        up, upr = s["bytes_up"], s["bytes_up_raw"]
        dn, dnr = s["bytes_down"], s["bytes_down_raw"]
        ups.append(up / upr); downs.append(dn / dnr)
        print(f"{rnd['round']:5d} {s['site']:8s} {up:10d} {upr:9d} {up/upr:6.3f} {dn:11d} {dnr:10d} {dn/dnr:6.3f}")
print(f"mean ratio up {sum(ups)/len(ups):.3f}  down {sum(downs)/len(downs):.3f}  (target up <= 0.3)")
PY
