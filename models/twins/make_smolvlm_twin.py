"""SmolVLM (idefics3) twin: a tiny random-weight export in the layout of
HuggingFaceTB/SmolVLM-256M-Instruct and its onnx/ folder, plus the PyTorch reference on photo.png.

  /usr/bin/python3 models/twins/make_smolvlm_twin.py

Writes test/fixtures/twins/smolvlm/ (config.json, preprocessor_config.json, processor_config.json,
generation_config.json, tokenizer.json, tokenizer_config.json, chat_template.json,
onnx/{vision_encoder,embed_tokens,decoder_model_merged}.onnx) and
test/fixtures/twins/smolvlm.reference.safetensors. Seeded: re-running gives the same files.
The keys mirror the hub repo's; only sizes shrink (tile 64 px, patch 8, scale_factor 2 -> 16
tokens per tile; longest edge 128, so photo.png becomes 2x2 tiles + the global image).
"""
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "tiny-spatial-vlm"))
from make_fixtures import write_safetensors  # noqa: E402
from smolvlm_model import SmolVLMTwin, init_weights  # noqa: E402
from smolvlm_processor import CHAT_TEMPLATE, expand_prompt, preprocess_image, render_chat  # noqa: E402
from twin_tokenizers import build_tokenizer  # noqa: E402

FIXTURES = os.path.join(ROOT, "test", "fixtures", "twins")
OUT = os.path.join(FIXTURES, "smolvlm")
REFERENCE = os.path.join(FIXTURES, "smolvlm.reference.safetensors")
SEED = 20250131
QUESTION = "Is the red circle to the left or right of the blue square?"
STEER_LAYER, PATCH_LAYER = 2, 1  # of 4 decoder blocks
OPSET = 14

TILE, PATCH, SCALE, LONGEST = 64, 8, 2, 128
IMAGE_SEQ_LEN = (TILE // PATCH) ** 2 // SCALE ** 2  # 16
MAX_SPLITS = LONGEST // TILE  # tiles per side never exceed this, so <row_r_col_c> stop there

CORPUS = """User: Is the red circle to the left or right of the blue square? Assistant: The red circle is to the left of the blue square.
User: Is the blue square above or below the green triangle? Assistant: The blue square is above the green triangle.
User: Where is the yellow star? Assistant: The yellow star is on the right, next to the red circle.
User: Which object is closer to the camera, the car or the tree? Assistant: The car is closer. The tree is behind it.
User: What is in front of the house? Assistant: A dog is in front of the house, and a cat sits on the left.
User: Describe the image. Assistant: There is a red circle on the left and a blue square on the right of the picture.
left right above below behind front top bottom middle center near far inside outside between next to under over
red blue green yellow black white orange purple gray brown circle square triangle star box ball cup table chair
Is it left? Yes. No. It is right. Count the objects: one, two, three, four. 1 2 3 4 5 6 7 8 9 10 100
the traffic light is red; the diamond is blue. A person stands near the traffic sign with a diamond shape.
"""

SPECIALS = (
    [("<|endoftext|>", 0), ("<|im_start|>", 1), ("<|im_end|>", 2), ("<global-img>", None)]
    + [(f"<row_{r}_col_{c}>", None) for r in range(1, MAX_SPLITS + 1) for c in range(1, MAX_SPLITS + 1)]
    + [("<fake_token_around_image>", None), ("<image>", None), ("<end_of_utterance>", None)])


def make_configs(tok):
    ids = {t: tok.token_to_id(t) for t, _ in SPECIALS}
    vocab_size = len(tok.vocab)
    text_config = {
        "architectures": ["VLlama3ForCausalLM"], "model_type": "llama", "hidden_size": 64, "head_dim": 16,
        "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 4,
        "hidden_act": "silu", "rms_norm_eps": 1e-5, "rope_theta": 100000.0, "rope_scaling": None,
        "max_position_embeddings": 8192, "attention_bias": False, "mlp_bias": False,
        "tie_word_embeddings": False, "vocab_size": vocab_size, "pad_token_id": ids["<|im_end|>"],
        "bos_token_id": ids["<|im_start|>"], "eos_token_id": ids["<|im_end|>"], "torch_dtype": "float32"}
    vision_config = {
        "model_type": "idefics3_vision", "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2,
        "num_hidden_layers": 2, "num_channels": 3, "image_size": TILE, "patch_size": PATCH,
        "hidden_act": "gelu_pytorch_tanh", "layer_norm_eps": 1e-6, "attention_dropout": 0.0,
        "max_image_size": {"longest_edge": TILE}, "size": {"longest_edge": LONGEST}, "tie_word_embeddings": False}
    config = {
        "architectures": ["Idefics3ForConditionalGeneration"], "model_type": "idefics3",
        "image_token_id": ids["<image>"], "pad_token_id": ids["<|im_end|>"], "scale_factor": SCALE,
        "text_config": text_config, "vision_config": vision_config, "tie_word_embeddings": False,
        "use_cache": True, "vocab_size": vocab_size, "torch_dtype": "float32", "transformers_version": "4.48.0"}
    preprocessor = {
        "do_convert_rgb": True, "do_image_splitting": True, "do_normalize": True, "do_pad": True,
        "do_rescale": True, "do_resize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        "image_processor_type": "Idefics3ImageProcessor", "processor_class": "Idefics3Processor",
        "max_image_size": {"longest_edge": TILE}, "resample": 1, "rescale_factor": 0.00392156862745098,
        "size": {"longest_edge": LONGEST}}
    processor = {"image_seq_len": IMAGE_SEQ_LEN, "processor_class": "Idefics3Processor"}
    generation = {"_from_model_config": True, "bos_token_id": ids["<|im_start|>"],
                  "eos_token_id": [ids["<|im_end|>"], ids["<end_of_utterance>"]], "pad_token_id": ids["<|im_end|>"],
                  "transformers_version": "4.48.0"}
    tokenizer_config = {
        "add_prefix_space": False, "additional_special_tokens": ["<fake_token_around_image>", "<image>", "<end_of_utterance>"],
        "bos_token": "<|im_start|>", "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
        "end_of_utterance_token": "<end_of_utterance>", "eos_token": "<end_of_utterance>",
        "fake_image_token": "<fake_token_around_image>", "global_image_token": "<global-img>", "image_token": "<image>",
        "model_max_length": 8192, "pad_token": "<|im_end|>", "processor_class": "Idefics3Processor",
        "tokenizer_class": "GPT2Tokenizer", "truncation_side": "left", "unk_token": "<|endoftext|>"}
    return config, preprocessor, processor, generation, tokenizer_config


# ---- ONNX wrappers: attribute names give the scopes real exports have (/model/layers.N/Add) ----
class VisionEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixel_values, pixel_attention_mask):
        return self.m.image_features(pixel_values, pixel_attention_mask)


class EmbedTokens(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.embed_tokens = m.text_model.embed_tokens

    def forward(self, input_ids):
        return self.embed_tokens(input_ids)


class Decoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.model, self.lm_head = m.text_model, m.lm_head

    def forward(self, inputs_embeds, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        _, h, presents = self.model(inputs_embeds, attention_mask, position_ids, past)
        return (self.lm_head(self.model.norm(h)),) + tuple(t for kv in presents for t in kv)


def export_onnx(model, cfg):
    tc = cfg["text_config"]
    n_layers, kvh, hd = tc["num_hidden_layers"], tc["num_key_value_heads"], tc["head_dim"]
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    g = torch.Generator().manual_seed(1)
    px = torch.randn(1, 3, 3, TILE, TILE, generator=g)
    pm = torch.ones(1, 3, TILE, TILE, dtype=torch.bool)
    dec_args = (torch.randn(1, 5, tc["hidden_size"], generator=g), torch.ones(1, 8, dtype=torch.int64),
                torch.arange(3, 8)[None], *[torch.randn(1, kvh, 3, hd, generator=g) for _ in past])
    specs = {
        "vision_encoder": (VisionEncoder(model), (px, pm), ["pixel_values", "pixel_attention_mask"], ["image_features"],
                           {"pixel_values": {0: "batch_size", 1: "num_images"},
                            "pixel_attention_mask": {0: "batch_size", 1: "num_images"},
                            "image_features": {0: "num_real_images"}}),
        "embed_tokens": (EmbedTokens(model), (torch.tensor([[1, 5, 6]]),), ["input_ids"], ["inputs_embeds"],
                         {"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}),
        # traced with a non-empty past so no length is specialised to 0
        "decoder_model_merged": (Decoder(model), dec_args, ["inputs_embeds", "attention_mask", "position_ids"] + past,
                                 ["logits"] + present,
                                 {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
                                  "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
                                  "position_ids": {0: "batch_size", 1: "sequence_length"},
                                  "logits": {0: "batch_size", 1: "sequence_length"},
                                  **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past},
                                  **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present}}),
    }
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    for name, (mod, args, inp, outp, dyn) in specs.items():
        path = os.path.join(OUT, "onnx", name + ".onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes on Python values taken from shapes
            torch.onnx.export(mod.eval(), args, path, input_names=inp, output_names=outp, dynamic_axes=dyn,
                              opset_version=OPSET, do_constant_folding=True)
        m = onnx.load(path)
        if name == "vision_encoder":  # the tracer leaves the fixed token count symbolic; state it
            dims = m.graph.output[0].type.tensor_type.shape.dim
            dims[1].Clear()
            dims[1].dim_value = IMAGE_SEQ_LEN
            onnx.save(m, path)
        onnx.checker.check_model(m)
        if name == "decoder_model_merged":
            names = {n.name for n in m.graph.node}
            missing = [f"/model/layers.{i}/{a}" for i in range(n_layers) for a in ("Add", "Add_1")
                       if f"/model/layers.{i}/{a}" not in names]
            if missing:
                raise SystemExit(f"residual Add nodes missing: {missing}")
        print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) / 1e3:.0f} kB)")


def last_subtoken_position(enc, text, ids, upto):
    """Index of the last token of the first `upto` in `text`, from the ids of the text before it
    (byte-level pre-tokens never span a word boundary, so the prefix ids are a prefix of ids)."""
    cut = text.index(upto) + len(upto)
    pre = enc(text[:cut])
    if ids[:len(pre)] != pre:
        raise SystemExit(f"prefix ids of {upto!r} are not a prefix of the prompt's ids")
    return len(pre) - 1


@torch.no_grad()
def reference(model, enc, cfg):
    pp = json.load(open(os.path.join(OUT, "preprocessor_config.json")))
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": QUESTION}]}]
    prompt = render_chat(messages, add_generation_prompt=True)
    runs = {}
    for key, fname in (("photo", "photo.png"), ("mirrored", "photo-mirrored.png")):
        pv, pm, rows, cols = preprocess_image(Image.open(os.path.join(FIXTURES, fname)), pp)
        text = expand_prompt(prompt, rows, cols, IMAGE_SEQ_LEN)
        ids = enc(text)
        ids_t = torch.tensor([ids])
        feats = model.image_features(torch.from_numpy(pv), torch.from_numpy(pm))
        emb = model.merge(ids_t, feats)
        mask, pos = torch.ones_like(ids_t), torch.arange(len(ids))[None]
        logits, hidden, _ = model.decode(emb, mask, pos)
        runs[key] = dict(pv=pv, pm=pm, rows=rows, cols=cols, text=text, ids=ids, ids_t=ids_t, feats=feats,
                         emb=emb, mask=mask, pos=pos, logits=logits, hidden=hidden)
    r, mr = runs["photo"], runs["mirrored"]
    if r["ids"] != mr["ids"]:
        raise SystemExit("the mirrored photo gives other input_ids; patching needs the same prompt")
    n_img = sum(1 for i in r["ids"] if i == cfg["image_token_id"])
    if n_img != r["feats"].shape[0] * r["feats"].shape[1]:
        raise SystemExit(f"{n_img} <image> tokens vs {tuple(r['feats'].shape)} features")

    circle = last_subtoken_position(enc, r["text"], r["ids"], "red circle")
    square = last_subtoken_position(enc, r["text"], r["ids"], "blue square")
    hidden = torch.stack([h[0] for h in r["hidden"]])  # [L+1, S, H]

    g = torch.Generator().manual_seed(SEED + 7)
    v = torch.randn(hidden.shape[-1], generator=g)
    v = v / v.norm() * hidden[STEER_LAYER, circle].norm()

    def steer(layer, h):
        if layer == STEER_LAYER:
            h = h.clone()
            h[0, circle] += v
        return h

    steered, _, _ = model.decode(r["emb"], r["mask"], r["pos"], edit=steer)
    patch_pos = [circle, square]

    def patch(layer, h):
        if layer == PATCH_LAYER:
            h = h.clone()
            h[0, patch_pos] = mr["hidden"][PATCH_LAYER][0, patch_pos]
        return h

    patched, _, _ = model.decode(r["emb"], r["mask"], r["pos"], edit=patch)

    # greedy, recomputing the whole sequence each step (the cache path is checked against ORT)
    eos = set(json.load(open(os.path.join(OUT, "generation_config.json")))["eos_token_id"])
    emb, gen = r["emb"], []
    for _ in range(5):
        lg, _, _ = model.decode(emb, torch.ones(1, emb.shape[1], dtype=torch.int64), torch.arange(emb.shape[1])[None])
        nxt = int(lg[0, -1].argmax())
        gen.append(nxt)
        if nxt in eos:
            break
        emb = torch.cat([emb, model.text_model.embed_tokens(torch.tensor([[nxt]]))], 1)

    tensors = {
        "pixel_values": torch.from_numpy(r["pv"]),
        "pixel_attention_mask": torch.from_numpy(r["pm"]),
        "input_ids": r["ids_t"][0],
        "position_ids": r["pos"][0],
        "image_features": r["feats"].reshape(-1, r["feats"].shape[-1]),
        "hidden_states": hidden,
        "logits": r["logits"][0],
        "steer_positions": torch.tensor([circle]),
        "steer_vector": v,
        "steered_logits": steered[0, -1],
        "patch_positions": torch.tensor(patch_pos),
        "patched_logits": patched[0, -1],
        "generated_ids": torch.tensor(gen, dtype=torch.int64),
    }
    meta = {
        "family": "smolvlm", "model_type": "idefics3", "mirrors": "HuggingFaceTB/SmolVLM-256M-Instruct",
        "question": QUESTION, "image": "photo.png", "mirrored_image": "photo-mirrored.png",
        "steer_layer": STEER_LAYER, "patch_layer": PATCH_LAYER, "rows": r["rows"], "cols": r["cols"],
        "image_seq_len": IMAGE_SEQ_LEN, "prompt": r["text"],
        "notes": ("pixel_values [1,tiles,3,64,64]: HF Idefics3ImageProcessor mirrored with PIL LANCZOS "
                  "(128x86 -> 128x128 -> 2x2 tiles + global 64x64 last); pixel_attention_mask int64 as HF's "
                  "numpy output (the ONNX graph takes bool). image_features [tiles*16, H] in tile order. "
                  "position_ids [seq] 0-based arange (Llama; transformers.js builds them from attention_mask). "
                  "hidden_states[0] = merged inputs_embeds, [l] = output of block l-1 (/model/layers.{l-1}/Add_1), "
                  "[L] before the final norm. steer: steer_vector added to hidden_states[steer_layer] at "
                  "steer_positions (last token of ' circle'), steered_logits at the last position. patch: "
                  "the residual entering block patch_layer at patch_positions (' circle', ' square') replaced "
                  "by the photo-mirrored.png run's; patched_logits at the last position. generated_ids: greedy, "
                  "<= 5 tokens, stops after an eos of generation_config."),
    }
    write_safetensors(REFERENCE, tensors, meta)
    print(f"wrote {os.path.relpath(REFERENCE, ROOT)}: seq {len(r['ids'])}, tiles {r['pv'].shape[1]}, "
          f"circle@{circle} square@{square}, generated {gen}")
    return tensors


def main():
    torch.manual_seed(SEED)
    tok_json, enc = build_tokenizer("byte_level", CORPUS, SPECIALS, merges_budget=360)
    config, preprocessor, processor, generation, tokenizer_config = make_configs(enc)
    os.makedirs(OUT, exist_ok=True)
    files = {"config.json": config, "preprocessor_config.json": preprocessor, "processor_config.json": processor,
             "generation_config.json": generation, "tokenizer.json": tok_json, "tokenizer_config.json": tokenizer_config,
             "chat_template.json": {"chat_template": CHAT_TEMPLATE}}
    for name, obj in files.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    model = SmolVLMTwin(config).eval()
    init_weights(model, SEED)
    export_onnx(model, config)
    reference(model, enc, config)


if __name__ == "__main__":
    main()
