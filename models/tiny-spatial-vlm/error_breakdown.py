"""Where the model errs: held-out accuracy of the image families split by what makes a question hard.

  /usr/bin/python3 models/tiny-spatial-vlm/error_breakdown.py --data data/train --weights models/tiny-spatial-vlm/weights.pt

Splits (exact answer under teacher forcing, as train.py's held-out check):
  shape twin   the question names a <colour> <shape> whose shape another object of the picture
               shares, so only the colour word tells the two apart (train.py --shape-twin-frac);
  grid         every object centred in its cell (else continuous positions);
  gap          for relations without a shape twin: the two objects' distance along the asked axis, px;
  objects      objects in the picture.
This is how phase d of reproduce.sh was found (model card, trial 30).
"""
import argparse
import collections
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import load_weights  # noqa: E402
from train import Dataset, forward_loss, named_objects  # noqa: E402

FAMILIES = ["grounding", "leftRight", "aboveBelow"]
GAP_BUCKETS = (8, 16, 24, 48)


def splits(family, question, objects, twin, cell):
    named = [o for _, _, match in named_objects(question, objects) for o in match]
    grid = all(o["x"] % cell == cell // 2 and o["y"] % cell == cell // 2 for o in objects)
    keys = [("all",), ("shape twin", bool(twin)), ("grid", grid), ("objects", len(objects))]
    if family != "grounding" and len(named) == 2 and not twin:
        axis = "x" if family == "leftRight" else "y"
        gap = abs(named[0][axis] - named[1][axis])
        keys.append(("no twin, gap px", next((f"< {b}" for b in GAP_BUCKETS if gap < b), f">= {GAP_BUCKETS[-1]}")))
    return keys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", default=os.path.join(HERE, "weights.pt"))
    ap.add_argument("--per-family", type=int, default=1500, help="held-out questions per family")
    ap.add_argument("--holdout", type=float, default=0.02, help="as train.py's --holdout")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, payload = load_weights(args.weights)
    cfg = payload["config"]
    ds = Dataset(args.data, args.holdout, cfg["image_seq_length"], cfg["video_seq_length"])

    cell = ds.meta["imageSize"] // ds.meta["grid"]
    counts = collections.defaultdict(lambda: [0, 0])
    for family in FAMILIES:
        pool = np.nonzero(ds.held & (ds.src == 0) & (ds.fam == ds.families.index(family)))[0][:args.per_family]
        for k in range(0, len(pool), 64):
            ids = [int(i) for i in pool[k:k + 64]]
            b = ds.batch(ids)
            with torch.no_grad():
                _, logits = forward_loss(model, b)
            m = b["targets"] != -100
            exact = ((logits.argmax(-1) == b["targets"]) | ~m).all(-1).tolist()
            for i, ok in zip(ids, exact):
                objects = ds.scene_objects[("image", int(ds.idx[i]))]
                for key in splits(family, ds.questions[i], objects, ds.shape_twin[i], cell):
                    counts[(family,) + key][0] += ok
                    counts[(family,) + key][1] += 1
    print(f"{args.weights} (step {payload.get('step')}), held-out images of {args.data}")
    for key in sorted(counts, key=lambda k: tuple(map(str, k))):
        right, n = counts[key]
        print(f"{' '.join(map(str, key)):40s} {right / n:.3f}  n={n}")


if __name__ == "__main__":
    main()
