"""Stage 1: pretrain the vision tower and projector to say what each grid cell holds.

LLaVA starts from a pretrained vision encoder (CLIP); ours has no such encoder to start from,
so it is pretrained here on the scene engine's own labels (scenes.jsonl): for each of the 16
cell tokens, the colour and the shape whose centre lies in that cell (soft targets when two
share it), where the token itself sits (row, column) and where in the cell the object's centre
is (an offset). Real ViT features carry their patch's position; without the last two targets a
content-only objective let ours forget it. Only the vision side learns
here; nothing touches the decoder or the word tokens, so the spatial-ID mechanism is left to
emerge (or not) in stage 2.

  /usr/bin/python3 models/tiny-spatial-vlm/pretrain_vision.py --data data/train --out models/tiny-spatial-vlm/checkpoints
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import TinyLlava, make_config  # noqa: E402
from train import pixels_to_tensor  # noqa: E402


def cell_labels(objects, colours, shapes, grid, size):
    """Per cell (row-major, as the projector emits them) two distributions: over colours + "empty"
    and over shapes + "empty". Soft targets (1/k each) when k object centres share a cell."""
    nc, ns = len(colours) + 1, len(shapes) + 1
    y = np.zeros((grid * grid, nc + ns + 2), np.float32)  # + the centre's offset in the cell, in [-1, 1]
    count = np.zeros(grid * grid, np.int64)
    cell_px = size / grid
    for o in objects:
        col, row = min(grid - 1, int(o["x"] * grid // size)), min(grid - 1, int(o["y"] * grid // size))
        cell = row * grid + col
        y[cell, 1 + colours.index(o["colour"])] += 1
        y[cell, nc + 1 + shapes.index(o["shape"])] += 1
        y[cell, nc + ns:] += [(o["x"] / cell_px - col - 0.5) * 2, (o["y"] / cell_px - row - 0.5) * 2]
        count[cell] += 1
    y[count == 0, 0] = 1
    y[count == 0, nc] = 1
    y[count > 0] /= count[count > 0, None]
    return y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "checkpoints"))
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hidden-size", type=int, default=128, help="the decoder width the projector maps to")
    ap.add_argument("--init-tower", default=None,
                    help="vision.pt to take the vision tower from (kept frozen; only the projector learns)")
    ap.add_argument("--init-weights", default=None,
                    help="a trained VLM's weights.pt to go on from: its tower and projector learn on, for new pictures")
    ap.add_argument("--head-steps", type=int, default=0,
                    help="with --init-weights: first fit only the cell head on the features as they are, so the "
                         "tower and projector then move no further than the new pictures ask (the decoder reads them)")
    args = ap.parse_args()
    if args.init_tower and args.init_weights:
        ap.error("--init-tower and --init-weights both give the tower: choose one")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    meta = json.load(open(os.path.join(args.data, "meta.json")))
    s, grid, n = meta["imageSize"], meta["grid"], meta["counts"]["images"]
    images = np.memmap(os.path.join(args.data, "images.u8"), np.uint8, "r", shape=(n, s, s, meta["channels"]))
    scenes = [json.loads(line) for line in open(os.path.join(args.data, "scenes.jsonl"))]
    scenes = {sc["index"]: sc["objects"] for sc in scenes if sc["source"] == "image"}
    colours = sorted({o["colour"] for objs in scenes.values() for o in objs})
    shapes = sorted({o["shape"] for objs in scenes.values() for o in objs})
    labels = np.stack([cell_labels(scenes[i], colours, shapes, grid, s) for i in range(n)])
    held = np.arange(n) >= int(n * 0.98)  # the same held-out tail as train.py's default

    # vocab_size is irrelevant to the vision side; the decoder built here is discarded
    model = TinyLlava(make_config(vocab_size=8, grid=grid, image_size=s, hidden_size=args.hidden_size))
    if args.init_tower:
        tower = {k: v for k, v in torch.load(args.init_tower, map_location="cpu")["state_dict"].items()
                 if k.startswith("vision_tower.")}
        model.load_state_dict(tower, strict=False)
        model.vision_tower.requires_grad_(False)
    if args.init_weights:
        trained = torch.load(args.init_weights, map_location="cpu")
        vision = {k: v for k, v in trained["state_dict"].items() if k.startswith(("vision_tower.", "multi_modal_projector."))}
        if trained["config"]["hidden_size"] != args.hidden_size:
            sys.exit(f"{args.init_weights} has a decoder width of {trained['config']['hidden_size']}: pass --hidden-size {trained['config']['hidden_size']}")
        model.load_state_dict(vision, strict=False)
    nc, ns = len(colours) + 1, len(shapes) + 1
    # colour logits, shape logits, row logits, column logits, centre offset (x, y)
    head = nn.Linear(model.config["hidden_size"], nc + ns + 2 * grid + 2)
    token_row = torch.arange(grid * grid) // grid
    token_col = torch.arange(grid * grid) % grid
    params = [p for p in list(model.vision_tower.parameters()) + list(model.multi_modal_projector.parameters())
              + list(head.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    head_opt = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)

    def run(ids):
        ids = np.sort(ids)
        x = pixels_to_tensor(images[ids])
        logits = head(model.get_image_features(x))
        y = torch.from_numpy(labels[ids])
        occupied = y[..., 0] == 0
        b = logits.shape[0]
        p = nc + ns
        loss = (-(y[..., :nc] * F.log_softmax(logits[..., :nc], -1)).sum(-1)
                - (y[..., nc:p] * F.log_softmax(logits[..., nc:p], -1)).sum(-1)).mean()
        loss = loss + F.cross_entropy(logits[..., p:p + grid].reshape(-1, grid), token_row.repeat(b))
        loss = loss + F.cross_entropy(logits[..., p + grid:p + 2 * grid].reshape(-1, grid), token_col.repeat(b))
        loss = loss + F.mse_loss(logits[..., -2:][occupied], y[..., -2:][occupied])
        # a cell is right when both argmaxes are a label it carries
        hit = lambda a, c: y[..., a:c].gather(-1, logits[..., a:c].argmax(-1, keepdim=True)) > 0  # noqa: E731
        cell_ok = (hit(0, nc) & hit(nc, p))[..., 0][occupied].float().mean().item()
        return loss, cell_ok

    train_ids, held_ids = np.nonzero(~held)[0], np.nonzero(held)[0]
    features = [p for p in params if all(p is not q for q in head.parameters())]
    for p in features:
        p.requires_grad_(False)  # only the head moves in these steps
    for step in range(1, args.head_steps + 1):
        loss, acc = run(rng.choice(train_ids, args.batch, replace=False))
        head_opt.zero_grad(set_to_none=True)
        loss.backward()
        head_opt.step()
        if step % 50 == 0 or step == args.head_steps:
            print(f"head step {step}/{args.head_steps} loss {loss.item():.4f} occupied cells right {acc:.3f}", flush=True)
    for p in features:
        p.requires_grad_(True)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        loss, acc = run(rng.choice(train_ids, args.batch, replace=False))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == args.steps:
            with torch.no_grad():
                _, held_acc = run(held_ids[:512])
            print(f"vision step {step}/{args.steps} loss {loss.item():.4f} occupied cells right {acc:.3f} "
                  f"held-out {held_acc:.3f} ({(time.time() - t0) / step:.2f} s/step)", flush=True)

    os.makedirs(args.out, exist_ok=True)
    state = {k: v for k, v in model.state_dict().items() if k.startswith(("vision_tower.", "multi_modal_projector."))}
    path = os.path.join(args.out, "vision.pt")
    torch.save({"state_dict": state, "held_out_cell_accuracy": held_acc, "steps": args.steps}, path + ".tmp")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
