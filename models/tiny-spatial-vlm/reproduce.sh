#!/usr/bin/env bash
# One command that reproduces the shipped model from the scene engine's data:
#   bash models/tiny-spatial-vlm/reproduce.sh
# 1. renders the training set (skipped when data/train is complete),
# 2. pretrains the vision tower (skipped when checkpoints/vision.pt exists),
# 3. trains the VLM (resumes from checkpoints/last.pt after an interruption: rerun this script),
# 4. exports the ONNX files and configs, 5. writes the PyTorch reference fixtures.
# Needs Debian's python3-torch, python3-onnx and libopenblas0-pthread (run by /usr/bin/python3).
# One thread per process: on 2 shared cores PyTorch's second thread costs more than it gives.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${DATA:-$root/data/train}"
ck="$here/checkpoints"
py=/usr/bin/python3

cd "$root"
if [ ! -f "$data/meta.json" ]; then
  npx tsc -b
  node out/server/src/cli/main.js export-dataset --out "$data" --scenes 60000 --clips 12000 --seed 1
fi
if [ ! -f "$ck/vision.pt" ]; then
  "$py" "$here/pretrain_vision.py" --data "$data" --out "$ck" --steps 1200 --lr 1.5e-3 --threads 1
fi
train() {
  "$py" "$here/train.py" --data "$data" --out "$ck" --weights "$here/weights.pt" --init-vision "$ck/vision.pt" \
    --lr 2e-3 --attn-init-scale 5 --freeze-vision --seed 3 --threads 1 "$@"
}
# Three phases over one checkpoint folder; each resumes where the last stopped (a rerun skips
# finished phases). a) 4,000 steps, relations first on 2-object scenes:
train --steps 4000 --curriculum "0.1:grounding,colour:2;0.35:all:2;0.6:all:3;1:all:all"
# b) clips only until step 4,600 (schedule stretched to 5,500): before/after leaves chance here,
#    while the image families are forgotten...
train --steps 5500 --stop-at 4600 --curriculum "1:beforeAfter:all"
# c) ...so every family again, half the batches clips, to step 5,600.
train --steps 5600 --curriculum "1:all:all" --clip-frac 0.5
"$py" "$here/export.py" --weights "$here/weights.pt" --out "$here"
"$py" "$here/make_fixtures.py" --data "$data" --weights "$here/weights.pt"
