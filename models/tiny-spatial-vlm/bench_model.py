"""A random-weight TinyLlava of about 100M parameters for `npm run bench`, exported like the bundled model.

  /usr/bin/python3 models/tiny-spatial-vlm/bench_model.py --out DIR [--threads 1] [--seed 0]

Same architecture (model.py), a larger config, the bundled tokenizer's vocabulary. Writes DIR/weights.pt
(the PyTorch side of the bench loads it) and DIR in the onnx-community layout through export.py's own
functions. The decoder's weights go to onnx/decoder_model_merged.onnx_data, as large exports ship them:
the server then instruments and caches only the graph, never a copy of the weights.

Reused when DIR/bench-model.json already describes this config (the bench calls this every time).
Built in a sibling temp folder and renamed into place, so an interrupted build is never reused.
The last stdout line is JSON: {"dir", "reused", "params": {...}, "config": {...}}.
"""
import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "bench-model.json"
FORMAT = "spatial-id-lens/bench-model@1"  # bump when the files written here change

# ~100M: 12 decoder layers of 4*768^2 (attention) + 3*768*2048 (MLP) = 85M, plus a 6-layer
# 384-wide vision tower and projector (~9M). Vocabulary and glue sizes stay the bundled ones.
BENCH_CONFIG = {
    "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "num_key_value_heads": 12,
    "head_dim": 64, "intermediate_size": 2048,
    "vision_hidden_size": 384, "vision_num_layers": 6, "vision_num_heads": 6,
}


def read_marker(out):
    try:
        with open(os.path.join(out, MARKER)) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    fresh = marker.get("format") == FORMAT and marker.get("overrides") == BENCH_CONFIG
    files = ["weights.pt", "config.json", "onnx/decoder_model_merged.onnx", "onnx/decoder_model_merged.onnx_data"]
    return marker if fresh and all(os.path.exists(os.path.join(out, p)) for p in files) else None


def parameter_counts(model):
    count = lambda *mods: sum(p.numel() for m in mods for p in m.parameters())  # noqa: E731
    return {
        "total": count(model),
        "language_model": count(model.model, model.lm_head),  # what the decoder prefill runs, plus embeddings
        "vision": count(model.vision_tower, model.multi_modal_projector),
    }


def build(out, seed, threads):
    import onnx
    import torch
    sys.path.insert(0, HERE)
    from export import check_node_names, export_all, write_configs
    from model import TinyLlava, make_config

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    bundled = torch.load(os.path.join(HERE, "weights.pt"), map_location="cpu")
    vocab = bundled["vocab"]
    cfg = make_config(**{**bundled["config"], **BENCH_CONFIG, "vocab_size": len(vocab)})
    model = TinyLlava(cfg).eval()
    params = parameter_counts(model)
    print(f"bench model: {params['total'] / 1e6:.1f}M parameters, exporting to {out}", file=sys.stderr)

    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    torch.save({"config": cfg, "state_dict": model.state_dict(), "vocab": vocab,
                "dataset_meta": bundled.get("dataset_meta")}, os.path.join(tmp, "weights.pt"))
    # export.py prints its progress on stdout; keep stdout for the one JSON line
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        # no verify_traced: on random weights the bench itself compares ORT's logits with PyTorch's
        export_all(model, tmp, opset=14)
        decoder = os.path.join(tmp, "onnx", "decoder_model_merged.onnx")
        check_node_names(decoder, cfg["num_hidden_layers"])
        onnx.save_model(onnx.load(decoder), decoder, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="decoder_model_merged.onnx_data", size_threshold=1024)
        write_configs(cfg, vocab, bundled.get("dataset_meta"), tmp)
    finally:
        sys.stdout = stdout
    marker = {"format": FORMAT, "overrides": BENCH_CONFIG, "seed": seed, "params": params,
              "torch": torch.__version__, "onnx": onnx.__version__}
    with open(os.path.join(tmp, MARKER), "w") as f:
        json.dump(marker, f, indent=2)
    shutil.rmtree(out, ignore_errors=True)  # a stale or half-written folder of an older format
    os.replace(tmp, out)
    return marker


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    marker = read_marker(out)
    reused = marker is not None
    if not reused:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        marker = build(out, args.seed, args.threads)
    print(json.dumps({"dir": out, "reused": reused, "params": marker["params"], "config": BENCH_CONFIG}))


if __name__ == "__main__":
    main()
