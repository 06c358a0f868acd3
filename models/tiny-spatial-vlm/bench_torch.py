"""PyTorch side of `npm run bench`: the forward the ORT side times, in eager PyTorch with forward hooks.

  /usr/bin/python3 models/tiny-spatial-vlm/bench_torch.py --weights W --inputs DIR [--runs 20] [--warmup 3] [--threads 1]

DIR (written by the bench) holds inputs.json {"input_ids": [...], "steer": {"layer": l, "position": p}},
pixel_values.f32 (float32 [1,3,S,S], already preprocessed) and steer_vector.f32 (float32 [H]).

Timed, as on the ORT side: vision encoder + token embedding + feature merge + decoder prefill over the
prompt (logits and KV cache of every position), no generation. Variants, interleaved run by run so
machine noise falls on all of them alike:
  plain        no hooks;
  capture_all  forward hooks keeping the residual after every decoder layer (plus the embeddings);
  steer        one hook adding the steering vector at one position after one layer.
Hooks are registered once, outside the timed region, as ORT's graph is instrumented once.
The last stdout line is JSON: raw per-run wall times in ms (total, prefill), the process CPU time over
the total span (cpu_ms: steadier than wall time on a shared machine), each variant's last-position logits.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import load_weights  # noqa: E402

VARIANTS = ("plain", "capture_all", "steer")


class Forward:
    """One forward from pixels and ids; `hooks` maps a variant to its (layer module, hook) pairs."""

    def __init__(self, model, ids, pixels, steer):
        self.m, self.ids, self.pixels = model, ids, pixels
        n = ids.shape[1]
        self.mask, self.pos = torch.ones(1, n, dtype=torch.long), torch.arange(n)[None]
        self.captured = []
        layers = model.model.layers
        # site layer l (l >= 1) is the output of model.layers[l - 1], as in the ORT site names
        assert steer["layer"] >= 1, "the bench steers after a decoder layer, not the embeddings"
        delta, p = steer["vector"], steer["position"]

        def capture(_mod, _inp, out):
            self.captured.append(out)

        def add(_mod, _inp, out):
            out[:, p] += delta  # in place: no_grad, and the ORT side also adds into its own buffer
            return out

        self.hooks = {"plain": [], "capture_all": [(layer, capture) for layer in layers],
                      "steer": [(layers[steer["layer"] - 1], add)]}
        self.handles = []

    def use(self, variant):
        for h in self.handles:
            h.remove()
        self.handles = [layer.register_forward_hook(fn) for layer, fn in self.hooks[variant]]

    @torch.no_grad()
    def run(self, capture_embeddings):
        self.captured = []
        c0, t0 = time.process_time(), time.perf_counter()
        features = self.m.get_image_features(self.pixels)
        emb = self.m.merge_features(self.ids, self.m.model.embed_tokens(self.ids), features,
                                    self.m.config["image_token_index"])
        if capture_embeddings:
            self.captured.append(emb)  # layer 0 of the ORT captures
        t1 = time.perf_counter()
        # the exported decoder takes the media-reader bias as its "attention_bias" input and the ORT
        # side feeds it; without it here the two runtimes would compute different forwards
        bias = self.m.reader_bias(self.ids, self.ids)
        logits, _presents = self.m.decoder_forward(emb, self.mask, self.pos, extra_bias=bias)
        t2, c2 = time.perf_counter(), time.process_time()
        return (t2 - t0) * 1e3, (t2 - t1) * 1e3, (c2 - c0) * 1e3, logits[0, -1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    model, _payload = load_weights(args.weights)
    with open(os.path.join(args.inputs, "inputs.json")) as f:
        spec = json.load(f)
    s = model.config["image_size"]
    pixels = torch.from_numpy(np.fromfile(os.path.join(args.inputs, "pixel_values.f32"), "<f4").reshape(1, 3, s, s))
    vector = torch.from_numpy(np.fromfile(os.path.join(args.inputs, "steer_vector.f32"), "<f4"))
    ids = torch.tensor([spec["input_ids"]], dtype=torch.long)
    fwd = Forward(model, ids, pixels, {**spec["steer"], "vector": vector})

    times = {v: {"total_ms": [], "prefill_ms": [], "cpu_ms": []} for v in VARIANTS}
    last = {}
    for i in range(args.warmup + args.runs):
        k = i % len(VARIANTS)
        for variant in VARIANTS[k:] + VARIANTS[:k]:  # rotate the order, as the ORT side does
            fwd.use(variant)
            total, prefill, cpu, logits = fwd.run(variant == "capture_all")
            if i >= args.warmup:
                times[variant]["total_ms"].append(total)
                times[variant]["prefill_ms"].append(prefill)
                times[variant]["cpu_ms"].append(cpu)
                last[variant] = logits
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "variants": times, "last_logits": {v: t.tolist() for v, t in last.items()},
    }))


if __name__ == "__main__":
    main()
