"""Train the tiny spatial VLM on a dataset exported by `spatial-id-lens export-dataset`.

  /usr/bin/python3 models/tiny-spatial-vlm/train.py --data data/ds --out models/tiny-spatial-vlm/checkpoints

Resumes from <out>/last.pt automatically; writes models/tiny-spatial-vlm/weights.pt at the end.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import TinyLlava, count_parameters, make_config  # noqa: E402
from tokenizer_files import WordTokenizer, build_vocab, expand_placeholders, format_prompt  # noqa: E402

BINARY_ANSWERS = ["left", "right", "above", "below", "before", "after"]
# the object words (last word of each object mention), from server/src/scenes/vocabulary.ts
SHAPE_WORDS = ["circle", "square", "triangle", "star", "cross", "diamond", "heart", "ring"]
# Curriculum: (until fraction of total steps, allowed families or None = all, max numObjects or None,
# share of clip batches or None = --clip-frac).
# Start on what needs only "where/what is one object" before relations and time.
CURRICULUM = [
    (0.08, {"grounding", "colour"}, 2, 0.0),
    (0.25, {"grounding", "colour", "leftRight", "aboveBelow"}, 3, None),
    (0.45, None, 4, None),
    (1.00, None, None, None),
]


def pixels_to_tensor(u8):
    """uint8 [..., H, W, 3] -> float32 [..., 3, H, W] as (x/255 - 0.5)/0.5 (preprocessor_config).
    Computed in float64 and rounded once, which is bit-identical to JS number math into a Float32Array."""
    x = (torch.from_numpy(np.ascontiguousarray(u8)).double() / 255.0 - 0.5) / 0.5
    return x.float().movedim(-1, -3).contiguous()


def named_objects(question, objects):
    """(colour, shape, its scene objects) for each "<colour> <shape>" of the question the scene has."""
    words = question.rstrip("?").split()
    out = []
    for colour, shape in zip(words, words[1:]):
        match = [o for o in objects if o["colour"] == colour and o["shape"] == shape] if shape in SHAPE_WORDS else []
        if match:
            out.append((colour, shape, match))
    return out


class Dataset:
    def __init__(self, root, holdout, image_seq_length=16, video_seq_length=32):
        with open(os.path.join(root, "meta.json")) as f:
            self.meta = m = json.load(f)
        s, nf = m["imageSize"], m["numFrames"]
        self.images = np.memmap(os.path.join(root, "images.u8"), np.uint8, "r", shape=(m["counts"]["images"], s, s, m["channels"]))
        nclips = m["counts"].get("clips", 0)
        self.clips = (np.memmap(os.path.join(root, "clips.u8"), np.uint8, "r", shape=(nclips, nf, s, s, m["channels"]))
                      if nclips else None)
        self.vocab = build_vocab(m["vocabulary"])
        self.tok = WordTokenizer(self.vocab)
        self.families = list(m["families"])
        with open(os.path.join(root, "examples.jsonl")) as f:
            ex = [json.loads(line) for line in f if line.strip()]
        img_id, vid_id = self.tok.token_id("<image>"), self.tok.token_id("<video>")
        cache, self.prompts, self.answers, self.answer_text = {}, [], [], []
        for e in ex:
            key = (e["source"], e["question"])
            if key not in cache:
                ids = self.tok.encode(format_prompt(e["question"], "image" if e["source"] == "image" else "video"))
                cache[key] = expand_placeholders(ids, img_id, vid_id, image_seq_length, video_seq_length)
            self.prompts.append(cache[key])
            self.answers.append(self.tok.encode(e["answer"]) + [self.tok.token_id("</s>")])
            self.answer_text.append(e["answer"])
        for f_ in {e["family"] for e in ex} - set(self.families):
            self.families.append(f_)
        self.src = np.array([e["source"] == "clip" for e in ex], dtype=np.int64)
        self.idx = np.array([e["index"] for e in ex], dtype=np.int64)
        self.fam = np.array([self.families.index(e["family"]) for e in ex], dtype=np.int64)
        self.nobj = np.array([e.get("numObjects", 0) for e in ex], dtype=np.int64)
        # hold out whole images/clips (the last `holdout` fraction of each) so eval questions
        # never share a picture with training questions
        n_img, n_clip = len(self.images), (len(self.clips) if self.clips is not None else 0)
        cut = np.where(self.src == 0, math.floor(n_img * (1 - holdout)), math.floor(n_clip * (1 - holdout)))
        self.held = self.idx >= cut
        self.questions = [e["question"] for e in ex]
        with open(os.path.join(root, "scenes.jsonl")) as f:
            self.scene_objects = {(sc["source"], sc["index"]): sc["objects"] for sc in map(json.loads, filter(str.strip, f))}
        self.shape_twin = np.array([self.names_shape_twin(e["question"], self.scene_objects[(e["source"], e["index"])])
                                    for e in ex], dtype=bool)
        unk = self.tok.token_id("<unk>")
        n_unk = sum(unk in p for p in self.prompts) + sum(unk in a for a in self.answers)
        if n_unk:
            print(f"warning: {n_unk} examples contain <unk> tokens", flush=True)

    @staticmethod
    def names_shape_twin(question, objects):
        """Does the question name a <colour> <shape> whose shape another object of the picture
        shares? Only the colour then tells the two apart; these were most of the errors."""
        return any(any(o["shape"] == shape and o["colour"] != colour for o in objects)
                   for colour, shape, _ in named_objects(question, objects))

    def pools(self, families, max_objects, held=False):
        """{source: {family: example indices}} for the current curriculum phase."""
        ok = self.held == held
        if families is not None:
            ok &= np.isin(self.fam, [self.families.index(f) for f in families if f in self.families])
        if max_objects is not None:
            ok &= self.nobj <= max_objects
        out = {}
        for s in (0, 1):
            d = {f: np.nonzero(ok & (self.src == s) & (self.fam == f))[0] for f in range(len(self.families))}
            d = {f: v for f, v in d.items() if len(v)}
            if d:
                out[s] = d
        return out

    def batch(self, ids):
        """Right-padded batch: input_ids, attention_mask, loss mask/targets, answer start."""
        seqs = [self.prompts[i] + self.answers[i] for i in ids]
        n = max(len(s) for s in seqs)
        input_ids = torch.zeros(len(ids), n, dtype=torch.long)
        mask = torch.zeros(len(ids), n, dtype=torch.long)
        targets = torch.full((len(ids), n), -100, dtype=torch.long)
        starts = []
        for r, (i, s) in enumerate(zip(ids, seqs)):
            input_ids[r, :len(s)] = torch.tensor(s)
            mask[r, :len(s)] = 1
            p = len(self.prompts[i])
            # logits at position t predict token t+1: answer tokens and the final </s> only
            targets[r, p - 1:len(s) - 1] = torch.tensor(self.answers[i])
            starts.append(p - 1)
        src = int(self.src[ids[0]])
        arr = self.images if src == 0 else self.clips
        order = np.argsort(self.idx[ids])  # memmap reads in increasing order
        px = np.empty((len(ids),) + arr.shape[1:], np.uint8)
        px[order] = arr[self.idx[ids][order]]
        pix = pixels_to_tensor(px)
        return dict(input_ids=input_ids, attention_mask=mask, targets=targets, starts=torch.tensor(starts),
                    pixel_values=pix if src == 0 else None, pixel_values_videos=pix if src == 1 else None)


def parse_curriculum(spec):
    """'0.08:grounding,colour:2:0;0.25:grounding,colour,leftRight,aboveBelow:3;1:all:all': until
    (fraction of the steps), families, max objects, and optionally the share of clip batches."""
    phases = []
    for part in spec.split(";"):
        until, fams, max_obj, *clip_frac = part.split(":")
        phases.append((float(until), None if fams == "all" else set(fams.split(",")),
                       None if max_obj == "all" else int(max_obj), float(clip_frac[0]) if clip_frac else None))
    return phases


def phase_at(step, total, curriculum):
    """(families, max objects, clip share or None) of the phase this step is in."""
    frac = step / max(1, total)
    for until, *phase in curriculum:
        if frac < until:
            return tuple(phase)
    return tuple(curriculum[-1][1:])


def shape_twin_pools(ds, pools):
    """The shape-twin questions of each pool (see Dataset.names_shape_twin), for --shape-twin-frac."""
    return {src: {f: p[ds.shape_twin[p]] for f, p in fams.items()} for src, fams in pools.items()}


def sample_batch(pools, rng, batch, clip_batch, clip_frac, shape_twin_frac=0.0, twin_pools=None):
    kinds = list(pools)
    src = kinds[0] if len(kinds) == 1 else int(rng.random() < clip_frac)
    fams = list(pools[src])
    n = batch if src == 0 else clip_batch
    # family-balanced: grounding has 16 answers and would otherwise be drowned by the binary ones
    choice = rng.integers(len(fams), size=n)
    out = []
    for c in choice:
        pool = pools[src][fams[c]]
        if shape_twin_frac and rng.random() < shape_twin_frac:
            twins = twin_pools[src][fams[c]]  # questions only the colour word answers
            pool = twins if len(twins) else pool
        out.append(int(pool[rng.integers(len(pool))]))
    return out


def forward_loss(model, b):
    logits = model(b["input_ids"], b["attention_mask"], b["pixel_values"], b["pixel_values_videos"])
    m = b["targets"] != -100
    loss = F.cross_entropy(logits[m], b["targets"][m])
    return loss, logits


class Meter:
    """Running first-answer-token accuracy per family and per binary answer word."""

    def __init__(self, ds):
        self.ds = ds
        self.reset()

    def reset(self):
        self.fam, self.ans, self.exact, self.twin = {}, {}, {}, {}

    def add(self, ids, logits, b):
        pred = logits.argmax(-1)
        rows = torch.arange(len(ids))
        first_ok = (pred[rows, b["starts"]] == b["targets"][rows, b["starts"]]).tolist()
        m = b["targets"] != -100
        exact = ((pred == b["targets"]) | ~m).all(-1).tolist()
        for i, ok, ex in zip(ids, first_ok, exact):
            f = self.ds.families[self.ds.fam[i]]
            tw = ((self.twin, f, ex),) if self.ds.shape_twin[i] else ()
            for d, k, v in ((self.fam, f, ok), (self.exact, f, ex)) + tw:
                d.setdefault(k, [0, 0])
                d[k][0] += v
                d[k][1] += 1
            a = self.ds.answer_text[i]
            if a in BINARY_ANSWERS:
                self.ans.setdefault(a, [0, 0])
                self.ans[a][0] += ok
                self.ans[a][1] += 1

    def summary(self):
        """first-token: first answer word (constant 'row' for grounding, so see exact there);
        exact: whole answer + </s> right = what greedy decoding would output; answers: first-token
        accuracy split by gold answer, so a constant 'right' shows up as right 1.00 / left 0.00."""
        def fmt(d, order):
            return " ".join(f"{k} {d[k][0] / d[k][1]:.2f}" for k in order if k in d)
        return (f"first-token[{fmt(self.fam, self.ds.families)}] exact[{fmt(self.exact, self.ds.families)}] "
                f"answers[{fmt(self.ans, BINARY_ANSWERS)}] shape-twins[{fmt(self.twin, self.ds.families)}]")


@torch.no_grad()
def evaluate(model, ds, args):
    model.eval()
    meter = Meter(ds)
    rng = np.random.default_rng(12345)  # fixed slice, comparable across evals
    for src, fams in ds.pools(None, None, held=True).items():
        n = args.batch if src == 0 else args.clip_batch
        for f, pool in fams.items():
            pool = pool if len(pool) <= args.eval_max else np.sort(rng.choice(pool, args.eval_max, replace=False))
            for k in range(0, len(pool), n):
                ids = [int(i) for i in pool[k:k + n]]
                b = ds.batch(ids)
                _, logits = forward_loss(model, b)
                meter.add(ids, logits, b)
    model.train()
    return meter


def lr_lambda(warmup, total, min_ratio):
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        t = min(1.0, (step - warmup) / max(1, total - warmup))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * t))
    return f


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)  # a crash mid-save never leaves a truncated last.pt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default=os.path.join(HERE, "checkpoints"))
    ap.add_argument("--weights", default=os.path.join(HERE, "weights.pt"))
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=64, help="image examples per batch")
    ap.add_argument("--clip-batch", type=int, default=16, help="clip examples per batch")
    ap.add_argument("--clip-frac", type=float, default=0.25, help="share of batches that are clip batches")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--holdout", type=float, default=0.02)
    ap.add_argument("--eval-max", type=int, default=256, help="held-out examples per family per eval")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--ckpt-every", type=int, default=200)
    ap.add_argument("--curriculum", default=None, help="'until:families|all:max_objects|all;...' "
                    "(fractions of --steps); default: the CURRICULUM table in train.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--init-vision", default=None,
                    help="vision.pt from pretrain_vision.py: vision_tower + projector weights for a fresh start "
                         "(with --init-weights: in place of that model's)")
    ap.add_argument("--attn-init-scale", type=float, default=1.0,
                    help="multiply the decoder's initial q_proj/k_proj weights (fresh starts only)")
    ap.add_argument("--frame-embed-std", type=float, default=0.02,
                    help="initial std (RMS) of the video frame-index embedding (fresh starts only)")
    ap.add_argument("--frame-embed-init", choices=["normal", "sinusoidal"], default="normal",
                    help="sinusoidal: sin/cos of the frame index at frequencies 1 to 1/max_frames rad per frame")
    ap.add_argument("--freeze-vision", action="store_true",
                    help="train only the decoder side (with --init-vision: keep the pretrained features)")
    ap.add_argument("--init-weights", default=None,
                    help="start from a finished run's weights.pt (a new phase with its own optimiser and schedule)")
    ap.add_argument("--media-readers", choices=["objects", "none"], default="objects",
                    help="objects: only the object words (and media tokens) may attend to media tokens, at "
                         "training and inference (model.media_reader_bias); none: every token may, as in LLaVA")
    ap.add_argument("--reader-media", choices=["all", "image"], default="all",
                    help="the media the readers alone may attend to (image: video tokens stay open to every token)")
    ap.add_argument("--hidden-size", type=int, default=128,
                    help="decoder width (heads of 32, MLP 3x); a --init-vision projector of another width is re-learned")
    ap.add_argument("--num-layers", type=int, default=6, help="decoder layers")
    ap.add_argument("--video-pool", type=int, default=2, help="average-pool each frame's cell tokens over k x k blocks")
    ap.add_argument("--vision-lr-scale", type=float, default=1.0,
                    help="learning-rate factor of the vision tower and projector when they are not frozen")
    ap.add_argument("--clip-families", default=None,
                    help="comma-separated families the clip batches are restricted to (image batches follow the curriculum)")
    ap.add_argument("--shape-twin-frac", type=float, default=0.0,
                    help="share of examples drawn from questions naming an object whose shape another object shares")
    ap.add_argument("--stop-at", type=int, default=None,
                    help="checkpoint and exit at this step (train in slices; rerun the same command to go on)")
    args = ap.parse_args()
    if not 0.0 <= args.shape_twin_frac <= 1.0:
        ap.error(f"--shape-twin-frac is a share of the batch: give a number from 0 to 1 (got {args.shape_twin_frac})")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    video_seq = meta["numFrames"] * (meta["grid"] // args.video_pool) ** 2
    ds = Dataset(args.data, args.holdout, meta["grid"] ** 2, video_seq)
    readers = [ds.vocab.index(w) for w in SHAPE_WORDS] if args.media_readers == "objects" else None
    cfg = make_config(vocab_size=len(ds.vocab), grid=ds.meta["grid"], image_size=ds.meta["imageSize"],
                      num_frames=ds.meta["numFrames"], media_reader_token_ids=readers,
                      media_reader_media_ids=[ds.tok.token_id("<image>")] if readers and args.reader_media == "image" else None,
                      video_pool=args.video_pool, max_position_embeddings=256,
                      hidden_size=args.hidden_size, num_hidden_layers=args.num_layers, num_attention_heads=args.hidden_size // 32,
                      num_key_value_heads=args.hidden_size // 32, head_dim=32, intermediate_size=3 * args.hidden_size)
    model = TinyLlava(cfg)
    if args.attn_init_scale != 1.0:
        # Larger query/key weights start attention sharper: the answer has to single out one
        # image cell among 16, and from a 0.02 init the logits take thousands of steps to grow.
        with torch.no_grad():
            for layer in model.model.layers:
                layer.self_attn.q_proj.weight.mul_(args.attn_init_scale)
                layer.self_attn.k_proj.weight.mul_(args.attn_init_scale)
    if args.frame_embed_std != 0.02 or args.frame_embed_init != "normal":
        # The frame embedding is added to vision features of RMS ~2 per element: at the usual 0.02
        # it is 1% of each video token, and before/after stays at chance for thousands of steps.
        with torch.no_grad():
            w = model.video_frame_embed.weight
            if args.frame_embed_init == "sinusoidal":
                # a smooth code of time, so the mean over the frames an object is seen in is an
                # easy function of when it appeared (random vectors average to noise)
                f = torch.arange(w.shape[0], dtype=torch.float32)[:, None]
                freq = w.shape[0] ** (-torch.arange(0, w.shape[1], 2, dtype=torch.float32) / w.shape[1])
                w.copy_(torch.cat([torch.sin(f * freq), torch.cos(f * freq)], 1)[:, :w.shape[1]])
                w.mul_(args.frame_embed_std / w.pow(2).mean().sqrt())
            else:
                w.normal_(0.0, args.frame_embed_std)
    vision_init = None
    if args.init_vision:
        vision_init = torch.load(args.init_vision, map_location="cpu")["state_dict"]
        shapes = {k: v.shape for k, v in model.state_dict().items()}
        if any(k not in shapes for k in vision_init):
            sys.exit(f"{args.init_vision}: expected only vision_tower/multi_modal_projector weights")
        # a projector pretrained for another decoder width cannot be used: it is learned here
        vision_init = {k: v for k, v in vision_init.items() if v.shape == shapes[k]}
    if args.freeze_vision:
        # Keep the pretrained vision features fixed (LLaVA stage 2 also freezes its vision tower):
        # early decoder gradients are noise and would wash out what stage 1 taught.
        for n, p in model.named_parameters():
            if n.startswith("vision_tower.") or (n.startswith("multi_modal_projector.") and
                                                 (vision_init is None or n in vision_init)):
                p.requires_grad_(False)
    groups = {}
    for n, p in model.named_parameters():
        if p.requires_grad:
            vision = n.startswith(("vision_tower.", "multi_modal_projector."))
            decays = p.dim() >= 2 and "pos_" not in n
            groups.setdefault((vision, decays), []).append(p)
    opt = torch.optim.AdamW([{"params": ps, "weight_decay": args.weight_decay if decays else 0.0,
                              "lr": args.lr * (args.vision_lr_scale if vision else 1.0)}
                             for (vision, decays), ps in groups.items()], lr=args.lr, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(args.warmup, args.steps, args.min_lr_ratio))
    print(f"{len(ds.prompts)} examples ({int(ds.held.sum())} held out), vocab {len(ds.vocab)}, "
          f"{count_parameters(model):,} parameters", flush=True)

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "last.pt")
    step = 0
    if os.path.exists(ckpt_path) and not args.fresh:
        ck = torch.load(ckpt_path, map_location="cpu")
        if ck["vocab"] != ds.vocab or ck["config"] != cfg:
            sys.exit(f"{ckpt_path} was trained with another vocabulary/config; use --fresh or another --out")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        step = ck["step"]
        torch.set_rng_state(ck["torch_rng"])
        rng.bit_generator.state = ck["numpy_rng"]
        random.setstate(ck["python_rng"])
        print(f"resumed from {ckpt_path} at step {step}", flush=True)
    elif args.init_weights:
        init = torch.load(args.init_weights, map_location="cpu")
        same = lambda c: {k: v for k, v in c.items() if k != "media_reader_token_ids"}  # noqa: E731
        if init["vocab"] != ds.vocab or same(init["config"]) != same(cfg):
            sys.exit(f"{args.init_weights} was trained with another vocabulary/config")
        model.load_state_dict(init["state_dict"])
        print(f"all weights initialised from {args.init_weights} (step {init['step']})", flush=True)
        if vision_init is not None:
            # a tower retrained for new pictures (pretrain_vision.py --init-weights) under the trained decoder
            model.load_state_dict(vision_init, strict=False)
            print(f"vision tower and projector from {args.init_vision}", flush=True)
    elif vision_init is not None:
        model.load_state_dict(vision_init, strict=False)
        fresh = sorted({k.rsplit(".", 1)[0] for k in model.state_dict()
                        if k.startswith(("vision_tower.", "multi_modal_projector.")) and k not in vision_init})
        print(f"vision initialised from {args.init_vision}" + (f"; learned here: {', '.join(fresh)}" if fresh else ""),
              flush=True)

    def checkpoint():
        save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "step": step, "torch_rng": torch.get_rng_state(), "numpy_rng": rng.bit_generator.state,
                     "python_rng": random.getstate(), "config": cfg, "vocab": ds.vocab, "args": vars(args)}, ckpt_path)

    curriculum = parse_curriculum(args.curriculum) if args.curriculum else CURRICULUM
    model.train()
    meter, losses, t0, phase = Meter(ds), [], time.time(), None
    # --stop-at is a ceiling, also for a run resumed past it (a rerun of a finished phase trains nothing)
    limit = args.steps if args.stop_at is None else min(args.steps, args.stop_at)
    while step < limit:
        fams, max_obj, clip_frac = phase_at(step, args.steps, curriculum)
        clip_frac = args.clip_frac if clip_frac is None else clip_frac
        if (fams, max_obj, clip_frac) != phase:
            phase = (fams, max_obj, clip_frac)
            pools = ds.pools(fams, max_obj) or ds.pools(None, None)
            if clip_frac == 0:
                pools = {s: p for s, p in pools.items() if s == 0} or pools
            if args.clip_families and 1 in pools:
                unknown = set(args.clip_families.split(",")) - set(ds.families)
                if unknown:
                    sys.exit(f"--clip-families: no family {', '.join(sorted(unknown))} in {args.data} (it has {', '.join(ds.families)})")
                keep = [ds.families.index(f) for f in args.clip_families.split(",")]
                pools[1] = {f: p for f, p in pools[1].items() if f in keep} or pools[1]
            twin_pools = shape_twin_pools(ds, pools)
            print(f"step {step}: curriculum families={sorted(fams) if fams else 'all'} "
                  f"max_objects={max_obj or 'all'} clip share {clip_frac}", flush=True)
        ids = sample_batch(pools, rng, args.batch, args.clip_batch, clip_frac, args.shape_twin_frac, twin_pools)
        b = ds.batch(ids)
        loss, logits = forward_loss(model, b)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(loss.item())
        meter.add(ids, logits.detach(), b)
        if step % args.log_every == 0 or step == args.steps:
            dt = time.time() - t0
            print(f"step {step}/{args.steps} loss {np.mean(losses):.4f} lr {sched.get_last_lr()[0]:.2e} "
                  f"{len(losses) / dt:.2f} steps/s | {meter.summary()}", flush=True)
            meter.reset()
            losses, t0 = [], time.time()
        if step % args.eval_every == 0 or step == args.steps:
            print(f"eval @ {step}: {evaluate(model, ds, args).summary()}", flush=True)
            t0 = time.time()
        if step % args.ckpt_every == 0 or step == args.steps or step == args.stop_at:
            checkpoint()
    if step < args.steps:
        print(f"stopped at step {step} (--stop-at {args.stop_at}); a later phase goes on from here", flush=True)
        return

    meta = {k: ds.meta.get(k) for k in ("imageSize", "channels", "numFrames", "grid", "families", "format")}
    save_atomic({"config": cfg, "state_dict": {k: v.float() for k, v in model.state_dict().items()},
                 "vocab": ds.vocab, "dataset_meta": meta, "step": step}, args.weights)
    print(f"wrote {args.weights}", flush=True)


if __name__ == "__main__":
    main()
