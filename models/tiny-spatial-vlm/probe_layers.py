"""Linear probes: does the residual stream at an object's word token encode WHERE the object is?

For leftRight / aboveBelow questions on held-out images, take the hidden state at the first
object's shape word ("Is the red circle ..." -> "circle") at every decoder depth (0 = the
inputs_embeds fed to the decoder, l = output of model.model.layers[l-1]) and fit a multinomial
logistic regression for the object's 4x4 grid row and, separately, its column. The same is done
for a randomly initialised model of the same config: an untrained decoder already mixes
position-embedded image tokens into word tokens, so the trained numbers only mean something next
to it (see /work/shared/METHOD.md, section 2).

  /usr/bin/python3 models/tiny-spatial-vlm/probe_layers.py --data data/train \
      --weights models/tiny-spatial-vlm/weights.pt [--examples 2000] [--json out.json]

--weights takes weights.pt (keys state_dict/config/vocab) or a training checkpoint last.pt
(keys model/config/vocab).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import TinyLlava  # noqa: E402
# train.Dataset is the trainer's own prompt/tokenisation/pixel path (WordTokenizer, format_prompt,
# expand_placeholders, pixels_to_tensor), so the ids and pixels probed here are those trained on.
from train import Dataset  # noqa: E402

FAMILIES = ("leftRight", "aboveBelow")
LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1)  # L2 strengths tried by grouped cross-validation


def load_model(path, payload, ds):
    """The model in a loaded weights.pt or train.py checkpoint."""
    # weights.pt (model.load_weights) keeps "state_dict"; a train.py checkpoint keeps "model"
    state = payload["state_dict"] if "state_dict" in payload else payload["model"]
    if payload["vocab"] != ds.vocab:
        sys.exit(f"{path}: vocabulary differs from the dataset's; the token ids would not match")
    model = TinyLlava(payload["config"])
    model.load_state_dict(state)
    model.eval()
    return model


def select_examples(ds, n_max, seed):
    """Held-out image questions of the two relation families -> (example ids, token pos, row, col, image)."""
    cand = np.nonzero(ds.held & (ds.src == 0) & np.isin(ds.fam, [ds.families.index(f) for f in FAMILIES
                                                                  if f in ds.families]))[0]
    size, grid = ds.meta["imageSize"], ds.meta["grid"]
    img_id = ds.tok.token_id("<image>")
    rows, skipped = [], {"ambiguous_object": 0, "template": 0}
    for i in cand:
        p = ds.prompts[i]
        start = max(k for k, t in enumerate(p) if t == img_id) + 1  # question starts after the image tokens
        words = [ds.vocab[t] for t in p[start:]]
        if words[:2] != ["Is", "the"] or len(words) < 4:
            skipped["template"] += 1
            continue
        colour, shape = words[2], words[3]
        pos = start + words.index(shape)  # FIRST occurrence of the shape word in the question
        objs = [o for o in ds.scene_objects[("image", int(ds.idx[i]))] if o["colour"] == colour and o["shape"] == shape]
        if len(objs) != 1:  # the question's name must pick out exactly one object
            skipped["ambiguous_object"] += 1
            continue
        o = objs[0]
        r, c = min(grid - 1, int(o["y"] * grid // size)), min(grid - 1, int(o["x"] * grid // size))
        rows.append((int(i), pos, r, c, int(ds.idx[i])))
    rng = np.random.default_rng(seed)
    if len(rows) > n_max:  # uniform subsample, kept in file order (memmap reads stay sequential)
        rows = [rows[k] for k in np.sort(rng.choice(len(rows), n_max, replace=False))]
    ex, pos, r, c, img = (np.array(v) for v in zip(*rows))
    return ex, pos, r, c, img, skipped


@torch.no_grad()
def collect(model, ds, ex, pos, batch=64):
    """[N, L+1, H] hidden states at the object token; hooks see exactly the training forward."""
    n_layers = len(model.model.layers)
    cur = {}
    hooks = [model.model.register_forward_pre_hook(lambda m, a: cur.__setitem__(0, a[0]))]
    for li, layer in enumerate(model.model.layers):
        hooks.append(layer.register_forward_hook(lambda m, a, out, li=li: cur.__setitem__(li + 1, out)))
    feats = []
    try:
        for k in range(0, len(ex), batch):
            b = ds.batch([int(i) for i in ex[k:k + batch]])  # prompt + answer, right-padded; causal,
            model(b["input_ids"], b["attention_mask"], b["pixel_values"])  # so later tokens don't matter
            rr = torch.arange(len(b["input_ids"]))
            pp = torch.as_tensor(pos[k:k + batch])
            feats.append(torch.stack([cur[l][rr, pp] for l in range(n_layers + 1)], 1))
    finally:
        for h in hooks:
            h.remove()
    return torch.cat(feats).float()


def fit_probe(x, y, k, lam, iters=100):
    """Multinomial logistic regression, full-batch LBFGS, L2 on weights (not bias). Convex: zero
    init + LBFGS is deterministic and reaches the optimum, so no seed or lr tuning is involved."""
    w = torch.zeros(x.shape[1], k, requires_grad=True)
    b = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=iters, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(x @ w + b, y) + lam * (w * w).sum()
        loss.backward()
        return loss
    opt.step(closure)
    return w.detach(), b.detach()


def standardise(xtr, xte):
    mu, sd = xtr.mean(0), xtr.std(0).clamp_min(1e-5)  # train statistics only
    return (xtr - mu) / sd, (xte - mu) / sd


def accuracy(w, b, x, y):
    return float(((x @ w + b).argmax(1) == y).float().mean())


def probe(xtr, ytr, gtr, xte, yte, k, folds=3):
    """Pick the L2 strength by cross-validation grouped by image on probe-train, refit, test once."""
    groups = np.unique(gtr)
    fold_of = {g: j % folds for j, g in enumerate(groups)}  # groups arrive shuffled (see main)
    fid = np.array([fold_of[g] for g in gtr])
    best, best_acc = LAMBDAS[0], -1.0
    for lam in LAMBDAS:
        accs = []
        for f in range(folds):
            tr, va = torch.as_tensor(fid != f), torch.as_tensor(fid == f)
            a, v = standardise(xtr[tr], xtr[va])
            accs.append(accuracy(*fit_probe(a, ytr[tr], k, lam), v, ytr[va]))
        if np.mean(accs) > best_acc + 1e-9:
            best, best_acc = lam, float(np.mean(accs))
    a, t = standardise(xtr, xte)
    w, b = fit_probe(a, ytr, k, best)
    return accuracy(w, b, t, yte), accuracy(w, b, a, ytr), best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", required=True, help="weights.pt or a train.py checkpoint (last.pt)")
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--json", default=None)
    ap.add_argument("--holdout", type=float, default=0.02, help="as train.py --holdout")
    ap.add_argument("--seed", type=int, default=0, help="random-init weights, subsample and split")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()

    payload = torch.load(args.weights, map_location="cpu")
    cfg = payload["config"]
    ds = Dataset(args.data, args.holdout, cfg["image_seq_length"], cfg["video_seq_length"])
    trained = load_model(args.weights, payload, ds)
    ck_hold = (payload.get("args") or {}).get("holdout")
    if ck_hold is not None and ck_hold != args.holdout:
        print(f"warning: the checkpoint was trained with --holdout {ck_hold}, probing with {args.holdout}")
    torch.manual_seed(args.seed)  # fixed seed: the random-init control is reproducible
    random_init = TinyLlava(payload["config"]).eval()

    ex, pos, row, col, img, skipped = select_examples(ds, args.examples, args.seed)
    # split IMAGES 70/30: questions about one picture never sit on both sides
    imgs = np.random.default_rng(args.seed + 1).permutation(np.unique(img))
    train_imgs = set(imgs[:int(round(0.7 * len(imgs)))].tolist())
    is_tr = np.array([i in train_imgs for i in img])
    tr, te = torch.as_tensor(is_tr), torch.as_tensor(~is_tr)
    order = {g: j for j, g in enumerate(imgs)}  # shuffled image order -> CV folds are random
    gtr = np.array([order[g] for g in img[is_tr]])
    fams = np.array([ds.families[ds.fam[i]] for i in ex])
    print(f"{len(ex)} examples ({', '.join(f'{f} {int((fams == f).sum())}' for f in FAMILIES)}) on "
          f"{len(imgs)} held-out images; probe-train {int(is_tr.sum())} ex / {len(train_imgs)} images, "
          f"probe-test {int((~is_tr).sum())} ex / {len(imgs) - len(train_imgs)} images; skipped {skipped}")

    feats = {"trained": collect(trained, ds, ex, pos), "random-init": collect(random_init, ds, ex, pos)}
    t_feat = time.time() - t0
    grid = ds.meta["grid"]
    targets = {"row": torch.as_tensor(row), "column": torch.as_tensor(col)}
    result = {"weights": os.path.abspath(args.weights), "step": payload.get("step"), "data": os.path.abspath(args.data),
              "examples": len(ex), "probe_train": int(is_tr.sum()), "probe_test": int((~is_tr).sum()),
              "images": len(imgs), "families": {f: int((fams == f).sum()) for f in FAMILIES},
              "skipped": skipped, "seed": args.seed, "majority": {}, "class_counts_test": {}, "layers": []}
    for name, y in targets.items():
        maj = int(torch.bincount(y[tr], minlength=grid).argmax())  # majority of probe-train, scored on test
        result["majority"][name] = float((y[te] == maj).float().mean())
        result["class_counts_test"][name] = torch.bincount(y[te], minlength=grid).tolist()
    n_layers = feats["trained"].shape[1]
    for l in range(n_layers):
        entry = {"layer": l}
        for name, y in targets.items():
            for kind, x in feats.items():
                xl = x[:, l]
                acc, tr_acc, lam = probe(xl[tr], y[tr], gtr, xl[te], y[te], grid)
                entry[f"{name}_{kind}"] = {"test": acc, "train": tr_acc, "l2": lam}
        result["layers"].append(entry)

    print()
    print("| layer | row trained | row random-init | column trained | column random-init |")
    print("| --- | --- | --- | --- | --- |")
    for e in result["layers"]:
        lab = "0 (embeds)" if e["layer"] == 0 else str(e["layer"])
        print(f"| {lab} | " + " | ".join(f"{e[f'{n}_{k}']['test']:.3f}" for n in targets for k in feats) + " |")
    print(f"| majority class | {result['majority']['row']:.3f} | {result['majority']['row']:.3f} | "
          f"{result['majority']['column']:.3f} | {result['majority']['column']:.3f} |")
    print(f"\nheld-out probe accuracy (probe-test images); chance 1/{grid} = {1 / grid:.3f}; "
          f"test class counts row {result['class_counts_test']['row']} column {result['class_counts_test']['column']}")
    result["seconds"] = {"features": round(t_feat, 1), "total": round(time.time() - t0, 1)}
    print(f"time: {result['seconds']['total']:.1f}s (data + features {t_feat:.1f}s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
