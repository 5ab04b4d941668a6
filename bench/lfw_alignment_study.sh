#!/usr/bin/env bash
# Alignment vs plain centre crop on LFW pairs.txt (docs/benchmarks.md, "Face import", subsection
# "Alignment vs centre crop on LFW pairs.txt").
#
# Two import variants at 48 px: (align) the default detection + eye alignment, (centre) --aligned
# --crop-fraction 0.45, a plain centre square. LFW's 10 pairs.txt sets are identity-disjoint, so per
# variant a MobileFaceNet is pretrained on the identities of sets 1-5 plus the identities that are in
# no set (>= 2 images each), and evaluated with `eval --pairs-file` on sets 6-10 (3,000 pairs,
# 5 folds = the 5 sets), none of whose identities it has seen. Pairs whose image an import rejected
# are dropped; both variants are scored on the pairs present in both. The pretraining imports keep
# the default filters (blur threshold 25), as a site would import. Also prints the untrained
# floor (same architecture, random weights).
#
# Usage: bench/lfw_alignment_study.sh [path/to/fedpilot-cli]
#   FEDPILOT_FACE_DATA  data root (default ../shared/data/faces)
#   WORK                keep intermediate files there and reuse what is already done (default: temp)
#   EPOCHS THREADS      training epochs (default 8), CPU threads (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
CLI=$(realpath "${1:-build/bin/fedpilot-cli}")
DATA=${FEDPILOT_FACE_DATA:-../shared/data/faces}
LFW=$(realpath "$DATA/lfw-deepfunneled")
[ -f "$LFW/pairs.txt" ] || { echo "no LFW pairs.txt at $LFW (set FEDPILOT_FACE_DATA)" >&2; exit 1; }
EPOCHS=${EPOCHS:-8}
THREADS=${THREADS:-$(nproc)}
PY=${PYTHON:-/usr/bin/python3}
if [ -n "${WORK:-}" ]; then mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
WORK=$(realpath "$WORK")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); cli $CLI; work $WORK"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Training folder: symlinks to the identities of sets 1-5 and of no set, >= 2 images.
"$PY" - "$LFW" "$WORK/trainset" <<'EOF'
import os, sys
root, out = sys.argv[1], sys.argv[2]
lines = open(os.path.join(root, 'pairs.txt')).read().split('\n')
nsets, n = map(int, lines[0].split())
sets = {}
row = 1
for s in range(nsets):
    for kind in (3, 4):
        for _ in range(n):
            p = lines[row].split(); row += 1
            assert len(p) == kind, p
            for name in (p[0],) if kind == 3 else (p[0], p[2]):
                sets.setdefault(name, set()).add(s)
test = {k for k, v in sets.items() if any(s >= nsets // 2 for s in v)}
train = {k for k, v in sets.items() if all(s < nsets // 2 for s in v)}
assert not (test & train)
os.makedirs(out, exist_ok=True)
ids = imgs = 0
for d in sorted(os.listdir(root)):
    full = os.path.join(root, d)
    if not os.path.isdir(full) or d in test:
        continue
    k = len(os.listdir(full))
    if k < 2:
        continue
    if not os.path.lexists(os.path.join(out, d)):
        os.symlink(full, os.path.join(out, d))
    ids += 1; imgs += k
print(f"pretraining folder: {ids} identities, {imgs} images (sets 1-{nsets // 2} + identities in no set); "
      f"{len(test)} test identities excluded")
EOF

for v in align centre; do
  if [ "$v" = align ]; then MODE=(); else MODE=(--aligned --crop-fraction 0.45); fi
  # Evaluation import: all of LFW, every identity kept (--min-images 1), no blur filter (at 48 px the
  # default threshold rejects 384 aligned but 2,757 centre crops, which would drop most pairs).
  if [ ! -f "$WORK/$v-eval.json" ]; then
    t=$(now)
    "$CLI" import --folder "$LFW" --db "$WORK/$v-eval.db" --cache "$WORK/$v-eval.fpcache" --size 48 \
        --min-images 1 --blur-threshold 0 --threads "$THREADS" "${MODE[@]}" --json > "$WORK/$v-eval.json.tmp"
    mv "$WORK/$v-eval.json.tmp" "$WORK/$v-eval.json"
    echo "$v: eval import (all LFW) $(elapsed "$t") s"
  fi
  if [ ! -f "$WORK/$v-train.json" ]; then
    t=$(now)
    "$CLI" import --folder "$WORK/trainset" --db "$WORK/$v-train.db" --cache "$WORK/$v-train.fpcache" --size 48 \
        --min-images 2 --held-out-fraction 0 --threads "$THREADS" "${MODE[@]}" --json > "$WORK/$v-train.json.tmp"
    mv "$WORK/$v-train.json.tmp" "$WORK/$v-train.json"
    echo "$v: pretraining import $(elapsed "$t") s"
  fi
  if [ ! -f "$WORK/$v.fpmodel" ]; then
    t=$(now)
    "$CLI" train --cache "$WORK/$v-train.fpcache" --out "$WORK/$v.fpmodel" --split all --backbone mobilefacenet \
        --size 48 --embedding 128 --epochs "$EPOCHS" --batch 64 --lr 0.1 --device cpu --threads "$THREADS" \
        --json > "$WORK/$v-train-run.json"
    echo "$v: pretraining $(elapsed "$t") s, $(grep -o '"images_per_s": [0-9.]*' "$WORK/$v-train-run.json")"
  fi
done

# pairs.txt -> cache indices of each variant; keep the pairs of sets 6-10 present in both.
"$PY" - "$LFW/pairs.txt" "$WORK" <<'EOF'
import sqlite3, sys
pairs_txt, work = sys.argv[1], sys.argv[2]
lines = open(pairs_txt).read().split('\n')
nsets, n = map(int, lines[0].split())
pairs, row = [], 1
for s in range(nsets):
    for kind in (3, 4):
        for _ in range(n):
            p = lines[row].split(); row += 1
            a = f"{p[0]}/{p[0]}_{int(p[1]):04d}.jpg"
            b = f"{p[0]}/{p[0]}_{int(p[2]):04d}.jpg" if kind == 3 else f"{p[2]}/{p[2]}_{int(p[3]):04d}.jpg"
            pairs.append((a, b, 1 if kind == 3 else 0, s))
maps = {}
for v in ('align', 'centre'):
    db = sqlite3.connect(f"{work}/{v}-eval.db")
    maps[v] = {bytes(r).decode() if isinstance(r, (bytes, memoryview)) else r: i
               for r, i in db.execute("SELECT rel_path, cache_index FROM files WHERE cache_index IS NOT NULL")}
    missing = [p for p in pairs if p[0] not in maps[v] or p[1] not in maps[v]]
    print(f"{v}: {len(pairs) - len(missing)} of {len(pairs)} pairs.txt pairs have both images in the cache "
          f"({len(missing)} dropped; {sum(1 for p in missing if p[3] >= nsets // 2)} of them in sets 6-10)")
both = [p for p in pairs if p[3] >= nsets // 2 and all(p[0] in maps[v] and p[1] in maps[v] for v in maps)]
print(f"evaluated: {len(both)} pairs of sets 6-10 present in both variants "
      f"({sum(p[2] for p in both)} genuine, {sum(1 - p[2] for p in both)} impostor)")
for v in maps:
    with open(f"{work}/{v}.pairs", 'w') as f:
        for a, b, label, s in both:
            f.write(f"{maps[v][a]} {maps[v][b]} {label} {s - nsets // 2}\n")
EOF

summary() {
  "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))["verification"]; print("accuracy %.2f +- %.2f %%  AUC %.4f  EER %.4f  pairs %d+%d  folds %d" % (100*v["accuracy"], 100*v["accuracy_std"], v["auc"], v["eer"], v["genuine_pairs"], v["impostor_pairs"], v["folds"]))' "$1"
}
for v in align centre; do
  t=$(now)
  "$CLI" eval --model "$WORK/$v.fpmodel" --cache "$WORK/$v-eval.fpcache" --pairs-file "$WORK/$v.pairs" \
      --device cpu --threads "$THREADS" --json > "$WORK/$v-eval-result.json"
  echo "$v, pretrained: $(summary "$WORK/$v-eval-result.json")  ($(elapsed "$t") s)"
  "$CLI" eval --untrained --backbone mobilefacenet --size 48 --embedding 128 --cache "$WORK/$v-eval.fpcache" \
      --pairs-file "$WORK/$v.pairs" --device cpu --threads "$THREADS" --json > "$WORK/$v-eval-floor.json"
  echo "$v, untrained floor: $(summary "$WORK/$v-eval-floor.json")"
done
