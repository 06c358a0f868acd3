"""ONNX export of the LLaVA twin in the transformers.js / onnx-community layout:
onnx/vision_encoder.onnx (pixel_values -> image_features), onnx/embed_tokens.onnx
(input_ids -> inputs_embeds), onnx/decoder_model_merged.onnx (inputs_embeds, attention_mask,
position_ids, past_key_values.N.key/value -> logits, present.N.key/value), torch-exported with
plain residual Adds /model/layers.N/Add and /model/layers.N/Add_1."""
import os
import warnings

import onnx
import torch
import torch.nn as nn

from llava_model import LlavaTwin


class VisionEncoder(nn.Module):
    get_image_features = LlavaTwin.get_image_features

    def __init__(self, m):
        super().__init__()
        self.cfg, self.vision_tower, self.multi_modal_projector = m.cfg, m.vision_tower, m.multi_modal_projector

    def forward(self, pixel_values):
        return self.get_image_features(pixel_values)


class EmbedTokens(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.embed_tokens = m.model.embed_tokens

    def forward(self, input_ids):
        return self.embed_tokens(input_ids)


class Decoder(nn.Module):
    """Attribute names `model` / `lm_head` so node scopes read /model/layers.N/... as in HF exports."""

    def __init__(self, m):
        super().__init__()
        self.model, self.lm_head = m.model, m.lm_head

    def forward(self, inputs_embeds, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        normed, _, presents = self.model(inputs_embeds, attention_mask, position_ids, past)
        return (self.lm_head(normed),) + tuple(t for kv in presents for t in kv)


def io_names(n_layers):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    return past, present


def decoder_args(t, batch, seq, past_len, seed):
    g = torch.Generator().manual_seed(seed)
    emb = torch.randn(batch, seq, t["hidden_size"], generator=g)
    mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    pos = torch.arange(past_len, past_len + seq)[None].repeat(batch, 1)
    past = [torch.randn(batch, t["num_key_value_heads"], past_len, t["head_dim"], generator=g)
            for _ in range(2 * t["num_hidden_layers"])]
    return (emb, mask, pos, *past)


def specs(model):
    v, t = model.cfg["vision_config"], model.cfg["text_config"]
    s = v["image_size"]
    past, present = io_names(t["num_hidden_layers"])
    return {
        "vision_encoder": (VisionEncoder(model), (torch.randn(2, 3, s, s),), ["pixel_values"], ["image_features"],
                           {"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}}),
        "embed_tokens": (EmbedTokens(model), (torch.tensor([[1, 5, 6], [1, 7, 8]]),), ["input_ids"], ["inputs_embeds"],
                         {"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}),
        # traced with a non-empty past so no length is specialised to 0
        "decoder_model_merged": (Decoder(model), decoder_args(t, 2, 5, 3, seed=0),
                                 ["inputs_embeds", "attention_mask", "position_ids"] + past, ["logits"] + present,
                                 {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
                                  "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
                                  "position_ids": {0: "batch_size", 1: "sequence_length"},
                                  "logits": {0: "batch_size", 1: "sequence_length"},
                                  **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past},
                                  **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present}}),
    }


def export_all(model, out_dir, opset=14):
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    sp = specs(model)
    for name, (mod, args, inp, outp, dyn) in sp.items():
        path = os.path.join(onnx_dir, name + ".onnx")
        mod.eval()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python-side shape values
            torch.onnx.export(mod, args, path, input_names=inp, output_names=outp, dynamic_axes=dyn,
                              opset_version=opset, do_constant_folding=True)
        onnx.checker.check_model(onnx.load(path))
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB), onnx.checker ok")
    n = model.cfg["text_config"]["num_hidden_layers"]
    names = {nd.name for nd in onnx.load(os.path.join(onnx_dir, "decoder_model_merged.onnx")).graph.node}
    missing = [f"/model/layers.{i}/{a}" for i in range(n) for a in ("Add", "Add_1") if f"/model/layers.{i}/{a}" not in names]
    if missing:
        raise SystemExit(f"residual Add nodes missing from the decoder: {missing}")
    return sp


@torch.no_grad()
def verify_traced(model, sp, tol=1e-5):
    """Trace each wrapper as the exporter did and run the traced graph on other shapes (batch 3,
    empty past, one cached step) against eager PyTorch."""
    worst = 0.0

    def cmp(a, b, what):
        nonlocal worst
        a, b = (a if isinstance(a, (tuple, list)) else (a,)), (b if isinstance(b, (tuple, list)) else (b,))
        for x, y in zip(a, b):
            assert x.shape == y.shape, f"{what}: shape {tuple(x.shape)} vs {tuple(y.shape)}"
            d = (x - y).abs().max().item() if x.numel() else 0.0
            worst = max(worst, d)
            assert d <= tol, f"{what}: max abs diff {d}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = {k: torch.jit.trace(v[0], v[1], check_trace=False) for k, v in sp.items()}
    s, t = model.cfg["vision_config"]["image_size"], model.cfg["text_config"]
    px = torch.randn(3, 3, s, s)
    cmp(tr["vision_encoder"](px), sp["vision_encoder"][0](px), "vision_encoder")
    ids = torch.tensor([[1, 2, 3, 4]])
    cmp(tr["embed_tokens"](ids), sp["embed_tokens"][0](ids), "embed_tokens")
    dec, tdec = sp["decoder_model_merged"][0], tr["decoder_model_merged"]
    first = decoder_args(t, 1, 7, 0, seed=1)
    out_e, out_t = dec(*first), tdec(*first)
    cmp(out_t, out_e, "decoder past=0")
    nxt = (torch.randn(1, 1, t["hidden_size"]), torch.ones(1, 8, dtype=torch.long), torch.tensor([[7]]))
    step_e, step_t = dec(*nxt, *out_e[1:]), tdec(*nxt, *out_t[1:])
    cmp(step_t, step_e, "decoder cached step")
    full = dec(torch.cat([first[0], nxt[0]], 1), torch.ones(1, 8, dtype=torch.long), torch.arange(8)[None],
               *[p[:, :, :0] for p in first[3:]])
    cmp(step_e[0], full[0][:, -1:], "cache consistency")
    print(f"traced vs eager ok (max abs diff {worst:.2e}, tolerance {tol})")
