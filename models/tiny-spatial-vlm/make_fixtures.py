"""Reference tensors for the TS side's ONNX runner, hooks, steering and patching tests.

  /usr/bin/python3 models/tiny-spatial-vlm/make_fixtures.py --data <dataset dir> \
      [--weights models/tiny-spatial-vlm/weights.pt] [--out test/fixtures/tiny-spatial-vlm]

For the first few examples of the dataset (distinct images of different families, then a clip)
it writes one <NN>-<source>-<family>.safetensors each (hand-written safetensors; the package is
not installed). Tensors:
  input_ids [1,S] int64 (placeholders already expanded), pixels_u8 [N,96,96,3] (HWC as in the
  dataset), pixel_values [1,3,96,96] (images only by default, see --clip-pixel-values),
  hidden_states [L+1,S,H] (0 = inputs_embeds; l = output of model.layers[l-1], i.e. ONNX
  /model/layers.{l-1}/Add_1), logits [S,V], generated_ids [n] (greedy, ends with </s>),
  steer.delta [H] + steer.logits [S,V], patch.values [P,H] + patch.logits [S,V].
Intervention details (layer, positions, source) are in the header's __metadata__.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import load_weights  # noqa: E402
from tokenizer_files import WordTokenizer, expand_placeholders, format_prompt  # noqa: E402
from train import pixels_to_tensor  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "test", "fixtures", "tiny-spatial-vlm"))
STEER_LAYER, PATCH_LAYER = 3, 2
DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.uint8: "U8"}


def write_safetensors(path, tensors, metadata):
    """8-byte LE header length, JSON header (dtype/shape/data_offsets + __metadata__ of strings),
    then the raw little-endian data in header order. Header padded with spaces to 8 bytes."""
    header, blobs, off = {"__metadata__": {k: str(v) for k, v in metadata.items()}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    np_types = {"F32": np.float32, "I64": np.int64, "U8": np.uint8}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], np_types[v["dtype"]]).reshape(v["shape"])
            for k, v in header.items()}, meta


def object_word_position(tok, ids, question):
    """The first object's shape word: the token just before 'to' / 'above' / 'appear' / '?'
    (true for every question template in docs/DATASET-FORMAT.md)."""
    words = tok.encode(question)
    ends = {tok.ids.get(w) for w in ("to", "above", "appear", "?")} - {None}
    k = next((i for i, w in enumerate(words) if w in ends and i > 0), len(words)) - 1
    start = len(ids) - len(words) - 2  # the question is followed by "ASSISTANT" ":"
    assert ids[start:start + len(words)] == words
    return start + k


class Runner:
    def __init__(self, model):
        self.model = model
        self.layers = model.model.layers

    @torch.no_grad()
    def run(self, ids, pixel_values=None, videos=None, hooks=()):
        """Returns (hidden_states [L+1,S,H], logits [S,V]); hooks = [(layer, fn(out) -> out)]."""
        m, captured = self.model, []
        input_ids = torch.tensor([ids])
        emb = m.build_inputs_embeds(input_ids, pixel_values, videos)
        # forward hooks run in registration order and a returned value replaces the output, so the
        # interventions go first and the capture hooks record the modified residual
        handles = [self.layers[li].register_forward_hook(lambda mod, inp, out, fn=fn: fn(out)) for li, fn in hooks]
        handles += [layer.register_forward_hook(lambda mod, inp, out: captured.append(out)) for layer in self.layers]
        try:
            n = input_ids.shape[1]
            ids_t = torch.tensor([ids])
            logits, _ = m.decoder_forward(emb, torch.ones(1, n, dtype=torch.long), torch.arange(n)[None],
                                          extra_bias=m.reader_bias(ids_t, ids_t))
        finally:
            for h in handles:
                h.remove()
        return torch.cat([emb] + captured, 0), logits[0]


def pick_examples(examples, n_images, n_clips):
    """Distinct pictures, families in a fixed preference order, earliest line first."""
    chosen, used = [], set()
    for source, n, prefs in (("image", n_images, ["leftRight", "grounding", "aboveBelow", "colour"]),
                             ("clip", n_clips, ["beforeAfter"])):
        cands = [(i, e) for i, e in enumerate(examples) if e["source"] == source]
        order = sorted(cands, key=lambda ie: (prefs.index(ie[1]["family"]) if ie[1]["family"] in prefs else len(prefs), ie[0]))
        fams_taken, picked = set(), []
        for rnd in range(2):  # first pass: one per family; second pass: fill up
            for i, e in order:
                if len(picked) >= n:
                    break
                if (source, e["index"]) in used or (rnd == 0 and e["family"] in fams_taken):
                    continue
                picked.append((i, e))
                used.add((source, e["index"]))
                fams_taken.add(e["family"])
        chosen += picked
    return chosen, used


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--weights", default=os.path.join(HERE, "weights.pt"))
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--images", type=int, default=2)
    ap.add_argument("--clips", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234, help="steering vector seed")
    ap.add_argument("--clip-pixel-values", action="store_true",
                    help="also store float32 pixel_values_videos for clips (~0.9 MB each)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, payload = load_weights(args.weights)
    cfg, tok = model.config, WordTokenizer(payload["vocab"])
    with open(args.weights, "rb") as f:
        weights_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(args.data, "examples.jsonl")) as f:
        examples = [json.loads(line) for line in f if line.strip()]
    s, nf = meta["imageSize"], meta["numFrames"]
    images = np.memmap(os.path.join(args.data, "images.u8"), np.uint8, "r").reshape(-1, s, s, 3)
    clips = np.memmap(os.path.join(args.data, "clips.u8"), np.uint8, "r").reshape(-1, nf, s, s, 3) \
        if meta["counts"].get("clips") else None
    chosen, used = pick_examples(examples, args.images, args.clips)
    runner = Runner(model)
    img_id, vid_id = tok.token_id("<image>"), tok.token_id("<video>")

    def prepare(e):
        kind = "image" if e["source"] == "image" else "video"
        prompt = format_prompt(e["question"], kind)
        ids = expand_placeholders(tok.encode(prompt), img_id, vid_id, cfg["image_seq_length"], cfg["video_seq_length"])
        u8 = np.array(images[e["index"]])[None] if kind == "image" else np.array(clips[e["index"]])
        px = pixels_to_tensor(u8)
        pv, vv = (px, None) if kind == "image" else (None, px[None])
        return dict(e=e, kind=kind, prompt=prompt, ids=ids, u8=u8, px=px, pv=pv, vv=vv)

    items = [prepare(e) | {"line": i, "name": f"{k:02d}-{e['source']}-{e['family']}"} for k, (i, e) in enumerate(chosen)]
    for it in items:
        it["hidden"], it["logits"] = runner.run(it["ids"], it["pv"], it["vv"])
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old.endswith(".safetensors"):
            os.remove(os.path.join(args.out, old))
    total = 0
    for k, it in enumerate(items):
        e, ids, name = it["e"], it["ids"], it["name"]
        # greedy answer with the KV cache, as the TS runner will produce it
        gen = model.generate(torch.tensor([ids]), it["pv"], it["vv"], max_new_tokens=8)
        # steering: seeded random direction, scaled to the norm of the residual it is added to
        pos = object_word_position(tok, ids, e["question"])
        g = torch.Generator().manual_seed(args.seed)
        d = torch.randn(cfg["hidden_size"], generator=g)
        delta = d / d.norm() * it["hidden"][STEER_LAYER + 1, pos].norm()

        def steer(out, pos=pos, delta=delta):
            out = out.clone()
            out[:, pos] += delta
            return out
        _, steer_logits = runner.run(ids, it["pv"], it["vv"], [(STEER_LAYER, steer)])
        # patching: all visual-token positions, taken from another input of the same kind
        ptok = img_id if it["kind"] == "image" else vid_id
        positions = [i for i, t in enumerate(ids) if t == ptok]
        src = next((o for o in items[k + 1:] + items[:k] if o["kind"] == it["kind"]), None)
        if src is None:  # only one input of this kind: use the next dataset example of the same source
            j, e2 = next((j, e2) for j, e2 in enumerate(examples)
                         if e2["source"] == e["source"] and (e2["source"], e2["index"]) not in used)
            src = prepare(e2) | {"line": j, "name": None}
            src["hidden"], _ = runner.run(src["ids"], src["pv"], src["vv"])
        values = src["hidden"][PATCH_LAYER + 1, positions].clone()
        assert [src["ids"][p] for p in positions] == [ptok] * len(positions)

        def patch(out, positions=positions, values=values):
            out = out.clone()
            out[:, positions] = values
            return out
        _, patch_logits = runner.run(ids, it["pv"], it["vv"], [(PATCH_LAYER, patch)])
        src_desc = (f"fixture {src['name']}" if src.get("name") else
                    f"dataset example line {src['line']} ({src['e']['source']} {src['e']['index']})")
        tensors = {"input_ids": torch.tensor([ids]), "pixels_u8": torch.from_numpy(it["u8"])}
        if it["kind"] == "image":
            tensors["pixel_values"] = it["pv"]
        elif args.clip_pixel_values:
            tensors["pixel_values_videos"] = it["px"]
        tensors.update({"hidden_states": it["hidden"], "logits": it["logits"],
                        "generated_ids": torch.tensor(gen, dtype=torch.long),
                        "steer.delta": delta, "steer.logits": steer_logits,
                        "patch.values": values, "patch.logits": patch_logits})
        md = {
            "format": "spatial-id-lens/vlm-fixture@1", "weights_sha256_16": weights_sha,
            "source": e["source"], "dataset_line": it["line"], "dataset_index": e["index"], "family": e["family"],
            "question": e["question"], "answer": e["answer"], "prompt": it["prompt"],
            "generated_text": tok.decode(gen),
            "pixel_values": "(u8/255 - 0.5)/0.5, CHW, float32" + ("" if it["kind"] == "image" or args.clip_pixel_values
                                                                    else "; omitted for clips, compute from pixels_u8"),
            "hidden_states": "index 0 = inputs_embeds; index l = output of model.layers[l-1] "
                             "(ONNX node /model/layers.{l-1}/Add_1)",
            "steer.layer": STEER_LAYER, "steer.hook": f"output of model.layers[{STEER_LAYER}] (hidden_states index "
                                                      f"{STEER_LAYER + 1}, ONNX /model/layers.{STEER_LAYER}/Add_1)",
            "steer.position": pos, "steer.token": tok.vocab[ids[pos]], "steer.seed": args.seed,
            "steer.rule": "output[:, position] += steer.delta (seeded unit vector times the norm of that residual)",
            "patch.layer": PATCH_LAYER, "patch.hook": f"output of model.layers[{PATCH_LAYER}] (hidden_states index "
                                                      f"{PATCH_LAYER + 1}, ONNX /model/layers.{PATCH_LAYER}/Add_1)",
            "patch.positions": json.dumps(positions), "patch.source": src_desc,
            "patch.rule": "output[:, positions] = patch.values (source run's layer output at the same positions)",
        }
        path = os.path.join(args.out, name + ".safetensors")
        write_safetensors(path, tensors, md)
        back, _ = read_safetensors(path)
        assert all(np.array_equal(back[n], t.numpy()) for n, t in tensors.items()), "round trip failed"
        total += os.path.getsize(path)
        print(f"{path}: {len(ids)} tokens, answer {e['answer']!r}, generated {tok.decode(gen)!r}, "
              f"steer@{pos} ({tok.vocab[ids[pos]]}), patch from {src_desc}")
    print(f"{len(items)} fixtures, {total / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
