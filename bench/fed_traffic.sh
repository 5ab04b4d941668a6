#!/usr/bin/env bash
# Bytes per site per round (on the wire) against the raw fp32 size of the model, from a real
# loopback pilot (demo: coordinator + site processes, gRPC + mutual TLS). Runs the pilot twice:
# with the default compression (int8 + zstd updates, int8 model deltas, fp16 + zstd full models)
# and with fp16 + zstd both ways and no deltas, for comparison (bytes and accuracy).
# Usage: bench/fed_traffic.sh [build dir] [sites] [rounds] [input size]
set -euo pipefail
BUILD=${1:-build}
SITES=${2:-3}
ROUNDS=${3:-3}
SIZE=${4:-32}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo '{"compression": {"down": "fp16+zstd", "up": "fp16+zstd", "delta": "off"}}' > "$OUT/fp16-config.json"
for variant in default fp16; do
  extra=()
  [ "$variant" = fp16 ] && extra=(--config "$OUT/fp16-config.json")
  "$BUILD/bin/fedpilot-cli" demo --sites "$SITES" --rounds "$ROUNDS" --synthetic --size "$SIZE" \
    --local-epochs 2 --pretrain-epochs 4 --out "$OUT/$variant" --json "${extra[@]}" > "$OUT/$variant.json"
  python3 - "$OUT/$variant.json" "$variant" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"== {sys.argv[2]}: pilot {r['pilot']} ({r['strategy']}), {r['completed_rounds']} rounds")
print("round site      up_wire_B  model_raw_B up/raw  down_wire_B down/raw  (up+down)/(2 raw)  global acc")
ups, downs, both = [], [], []
for rnd in r["rounds"]:
    for s in rnd["sites"]:
        if s.get("kind") != "round":
            continue
        up, raw = s["bytes_up"], s["bytes_up_raw"]   # an update is one model's worth of fp32
        dn = s["bytes_down"]
        ups.append(up / raw); downs.append(dn / raw); both.append((up + dn) / (2 * raw))
        print(f"{rnd['round']:5d} {s['site']:8s} {up:10d} {raw:12d} {up/raw:6.3f} {dn:12d} {dn/raw:8.3f} {both[-1]:12.3f}"
              f"        {rnd.get('accuracy', 0):.4f}")
n = len(ups)
print(f"mean per site per round: up {sum(ups)/n:.3f}x  down {sum(downs)/n:.3f}x  both ways {sum(both)/n:.3f}x of fp32"
      "  (target <= 0.3x)")
PY
done
