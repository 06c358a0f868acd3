"""Gemma-3 twin: a tiny random-weight Gemma3ForConditionalGeneration in the exact layout of
onnx-community/gemma-3-4b-it-ONNX (file names, graph input/output names, configs, Gemma specials,
the hub's chat template), its decoder written as onnxruntime-genai's builder writes it, plus a
PyTorch reference computed on test/fixtures/twins/photo.png.

  /usr/bin/python3 models/twins/make_gemma3_twin.py

Writes test/fixtures/twins/gemma-3/ and test/fixtures/twins/gemma-3.reference.safetensors.
Deterministic: fixed seeds, no clock or environment in any output.
"""
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "twins")
OUT = os.path.join(FIXTURES, "gemma-3")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "tiny-spatial-vlm"))
from gemma3_builder import build_decoder  # noqa: E402
from gemma3_model import Gemma3TextDecoder, ScaledEmbedding, VisionEncoder, init_weights  # noqa: E402
from make_fixtures import write_safetensors  # noqa: E402
from twin_tokenizers import SP_SPACE, TwinEncoder, _split_added, bpe_word, build_tokenizer  # noqa: E402

SEED = 20250312
QUESTION = "Is the red circle to the left or right of the blue square?"
STEER_LAYER, PATCH_LAYER = 2, 1

# Gemma's low specials keep their ids (pad 0, eos 1, bos 2, unk 3, mask 4); the turn markers follow,
# and the image markers come after the BPE vocabulary, as 255999/256000/262144 do in the real one.
SPECIALS = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4, "<start_of_turn>": 5,
            "<end_of_turn>": 6, "<start_of_image>": None, "<end_of_image>": None, "<image_soft_token>": None}

# google/gemma-3-4b-it's template (tokenizer_config.json, chat_template.jinja of the ONNX repo)
CHAT_TEMPLATE = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
"""

CORPUS = " ".join([
    "user model", QUESTION, "The red circle is to the left of the blue square.",
    "The blue square is to the right of the red circle. Is the green triangle above or below the yellow star?",
    "left right above below red blue green yellow circle square triangle star picture image",
    "Yes. No. It is on the left. It is on the right. A traffic light and a diamond are in the picture.",
] * 3)

# Real model (4B): text hidden 2560, 34 layers, 8 heads / 4 kv of head_dim 256, query_pre_attn_scalar
# 256, sliding window 1024 on 5 of every 6 layers; SigLIP 896 px, patch 14, 27 layers, 1152 wide;
# 256 image tokens. Here every width is tiny; the sliding pattern is 2 so 4 layers hold both kinds.
IMAGE_SIZE, PATCH, MM_TOKENS = 64, 8, 16
TEXT = {"attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": None,
        "cache_implementation": "hybrid", "final_logit_softcapping": None, "head_dim": 16,
        "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": 128, "max_position_embeddings": 512, "model_type": "gemma3_text",
        "num_attention_heads": 4, "num_hidden_layers": 4, "num_key_value_heads": 2, "query_pre_attn_scalar": 16,
        "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "rope_theta": 1000000.0, "sliding_window": 24, "sliding_window_pattern": 2,
        "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
        "use_cache": True}
VISION = {"attention_dropout": 0.0, "hidden_act": "gelu_pytorch_tanh", "hidden_size": 32, "image_size": IMAGE_SIZE,
          "intermediate_size": 64, "layer_norm_eps": 1e-06, "model_type": "siglip_vision_model",
          "num_attention_heads": 2, "num_channels": 3, "num_hidden_layers": 2, "patch_size": PATCH,
          "vision_use_head": False}
PREPROCESSOR = {"do_convert_rgb": None, "do_normalize": True, "do_pan_and_scan": False, "do_rescale": True,
                "do_resize": True, "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "Gemma3ImageProcessor",
                "image_seq_length": MM_TOKENS, "image_std": [0.5, 0.5, 0.5], "pan_and_scan_max_num_crops": None,
                "pan_and_scan_min_crop_size": None, "pan_and_scan_min_ratio_to_activate": None,
                "processor_class": "Gemma3Processor", "resample": 2, "rescale_factor": 0.00392156862745098,
                "size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE}}


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


# --------------------------------------------------------------------------- tokenizer and configs


class GemmaEncoder(TwinEncoder):
    """Gemma's normalizer only replaces " " with "▁" (no dummy-prefix ▁, unlike Llama), and its
    Split(" ") pre-tokenizer is then a no-op: each text section is one BPE word as written."""

    def tokenize(self, text):
        out = []
        for section in _split_added(text, list(self.added)):
            if section in self.added:
                out.append(section)
                continue
            for t in bpe_word(section.replace(" ", SP_SPACE), self.ranks):
                out.extend([t] if t in self.vocab else ["<0x%02X>" % b for b in t.encode("utf-8")])
        return out


def make_tokenizer():
    tok_json, enc = build_tokenizer("sentencepiece", CORPUS, SPECIALS, merges_budget=220, bos_token="<bos>")
    # Gemma-3's tokenizer.json pipeline (the builder writes Llama's: Prepend + Replace, Strip in decode)
    tok_json["normalizer"] = {"type": "Replace", "pattern": {"String": " "}, "content": SP_SPACE}
    tok_json["pre_tokenizer"] = {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
                                 "invert": False}
    tok_json["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": SP_SPACE}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]}
    enc = GemmaEncoder("sentencepiece", enc.vocab, tok_json["model"]["merges"], enc.added, enc.special, "<unk>")
    return tok_json, enc, {s: enc.token_to_id(s) for s in SPECIALS}


def make_config(ids, n_tokens):
    text = dict(TEXT, vocab_size=64 * -(-n_tokens // 64))  # padded past the tokenizer, as 262208 is
    return {"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": ids["<start_of_image>"],
            "eoi_token_index": ids["<end_of_image>"], "eos_token_id": [ids["<eos>"], ids["<end_of_turn>"]],
            "image_token_index": ids["<image_soft_token>"], "initializer_range": 0.02,
            "mm_tokens_per_image": MM_TOKENS, "model_type": "gemma3", "text_config": text,
            "torch_dtype": "float32", "transformers_version": "4.50.0.dev0", "vision_config": VISION}


def write_tokenizer_files(tok_json, ids):
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(OUT, "chat_template.jinja"), "w", encoding="utf-8") as f:
        f.write(CHAT_TEMPLATE)
    write_json("special_tokens_map.json", {
        "boi_token": "<start_of_image>", "bos_token": "<bos>", "eoi_token": "<end_of_image>", "eos_token": "<eos>",
        "image_token": "<image_soft_token>", "pad_token": "<pad>", "unk_token": "<unk>"})
    write_json("tokenizer_config.json", {
        "add_bos_token": True, "add_eos_token": False,
        "added_tokens_decoder": {str(e["id"]): {k: e[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                                  "single_word", "special")}
                                 for e in tok_json["added_tokens"]},
        "boi_token": "<start_of_image>", "bos_token": "<bos>", "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False, "eoi_token": "<end_of_image>", "eos_token": "<eos>",
        "extra_special_tokens": {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                                 "image_token": "<image_soft_token>"},
        "image_token": "<image_soft_token>", "model_max_length": 1000000000000000019884624838656,
        "pad_token": "<pad>", "processor_class": "Gemma3Processor", "sp_model_kwargs": {},
        "spaces_between_special_tokens": False, "tokenizer_class": "GemmaTokenizer", "unk_token": "<unk>",
        "use_default_system_prompt": False})


def write_configs(cfg, ids):
    write_json("config.json", cfg)
    write_json("preprocessor_config.json", PREPROCESSOR)
    write_json("processor_config.json", {"image_seq_length": MM_TOKENS, "processor_class": "Gemma3Processor"})
    write_json("generation_config.json", {
        "bos_token_id": ids["<bos>"], "cache_implementation": "hybrid", "do_sample": True,
        "eos_token_id": [ids["<eos>"], ids["<end_of_turn>"]], "pad_token_id": ids["<pad>"], "top_k": 64,
        "top_p": 0.95, "transformers_version": "4.50.0.dev0"})


# --------------------------------------------------------------------------- processor (HF, mirrored)


def preprocess(path):
    """Gemma3ImageProcessor (slow, PIL), pan-and-scan off: RGB, PIL bilinear resize on uint8 to
    size (aspect ratio not kept), rescale in float64 then float32, normalize in float32, CHW."""
    c = PREPROCESSOR
    img = Image.open(path).convert("RGB")
    arr = np.array(img.resize((c["size"]["width"], c["size"]["height"]), resample=c["resample"], reducing_gap=None))
    arr = (arr.astype(np.float64) * c["rescale_factor"]).astype(np.float32)
    arr = (arr - np.array(c["image_mean"], dtype=np.float32)) / np.array(c["image_std"], dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))[None]


def render_prompt(question):
    """The chat template above for one user turn [image, text] with add_generation_prompt."""
    return f"<bos><start_of_turn>user\n<start_of_image>{question}<end_of_turn>\n<start_of_turn>model\n"


def processor_ids(enc, prompt):
    """Gemma3Processor: <start_of_image> becomes "\\n\\n<start_of_image>" + image_seq_length soft tokens
    + "<end_of_image>\\n\\n"; the rendered prompt is tokenized without adding another <bos> (HF's
    apply_chat_template(tokenize=True) passes add_special_tokens=False when the text has it)."""
    full = "\n\n<start_of_image>" + "<image_soft_token>" * MM_TOKENS + "<end_of_image>\n\n"
    return torch.tensor(enc(prompt.replace("<start_of_image>", full)), dtype=torch.long)


def last_subtoken(enc, ids, question, word, after_id):
    """Position of the last sub-token of `word` (e.g. " circle") in the question, whose section starts
    with "\\n\\n" right after `after_id` (<end_of_image>). No learned merge spans a ▁, so the ids of the
    section's prefix up to the word are a prefix of the section's ids."""
    start = ids.tolist().index(after_id) + 1
    prefix = enc("\n\n" + question[: question.index(word) + len(word)])
    assert ids[start:start + len(prefix)].tolist() == prefix, f"{word!r}: prefix ids do not match"
    return start + len(prefix) - 1


# --------------------------------------------------------------------------- export


class _Embed(torch.nn.Module):
    def __init__(self, embed):
        super().__init__()
        self.embed = embed

    def forward(self, input_ids):
        return self.embed(input_ids)


def export_all(vision, embed, decoder, text_cfg):
    onnx_dir = os.path.join(OUT, "onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # traced on a batch of 2 so no batch size is baked in
        torch.onnx.export(vision, (torch.zeros(2, 3, IMAGE_SIZE, IMAGE_SIZE),),
                          os.path.join(onnx_dir, "vision_encoder.onnx"), input_names=["pixel_values"],
                          output_names=["image_features"], opset_version=17, do_constant_folding=True,
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_features": {0: "batch_size"}})
        torch.onnx.export(_Embed(embed), (torch.tensor([[1, 5, 6], [1, 7, 8]]),),
                          os.path.join(onnx_dir, "embed_tokens.onnx"), input_names=["input_ids"],
                          output_names=["inputs_embeds"], opset_version=17, do_constant_folding=True,
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "inputs_embeds": {0: "batch_size", 1: "sequence_length"}})
    onnx.save(build_decoder(decoder, text_cfg), os.path.join(onnx_dir, "decoder_model_merged.onnx"))


# --------------------------------------------------------------------------- reference


def merge(ids, embeds, feats, image_token):
    """Image feature row k replaces the k-th image token's (scaled) embedding; features unscaled."""
    out = embeds.clone()
    out[0, ids == image_token] = feats.reshape(-1, feats.shape[-1])
    return out


@torch.no_grad()
def reference(vision, embed, decoder, enc, ids_of, cfg):
    px = preprocess(os.path.join(FIXTURES, "photo.png"))
    px_m = preprocess(os.path.join(FIXTURES, "photo-mirrored.png"))
    input_ids = processor_ids(enc, render_prompt(QUESTION))
    img_tok = ids_of["<image_soft_token>"]
    feats, feats_m = vision(px), vision(px_m)
    emb = merge(input_ids, embed(input_ids[None]), feats, img_tok)
    emb_m = merge(input_ids, embed(input_ids[None]), feats_m, img_tok)
    logits, resid = decoder(emb)
    hidden = torch.stack([r[0] for r in resid])

    eoi = ids_of["<end_of_image>"]
    circle = last_subtoken(enc, input_ids, QUESTION, " circle", eoi)
    square = last_subtoken(enc, input_ids, QUESTION, " square", eoi)
    g = torch.Generator().manual_seed(SEED + 1)
    vec = torch.randn(cfg["text_config"]["hidden_size"], generator=g)
    vec = vec / vec.norm() * hidden[STEER_LAYER, circle].norm()

    def steer(l, x):
        if l == STEER_LAYER:
            x = x.clone()
            x[0, circle] += vec
        return x
    steered = decoder(emb, edit=steer)[0][0, -1]

    _, resid_m = decoder(emb_m)
    patch_pos = torch.tensor([circle, square])

    def patch(l, x):
        if l == PATCH_LAYER:
            x = x.clone()
            x[0, patch_pos] = resid_m[PATCH_LAYER][0, patch_pos]
        return x
    patched = decoder(emb, edit=patch)[0][0, -1]

    generated = greedy(decoder, embed, emb, logits, set(cfg["eos_token_id"]))
    tensors = {
        "pixel_values": px, "input_ids": input_ids, "attention_mask": torch.ones_like(input_ids),
        "image_features": feats[0], "hidden_states": hidden, "logits": logits[0],
        "steer_positions": torch.tensor([circle]), "steer_vector": vec, "steered_logits": steered,
        "patch_positions": patch_pos, "patched_logits": patched, "generated_ids": torch.tensor(generated),
    }
    tc = cfg["text_config"]
    meta = {
        "family": "gemma3", "model": "google/gemma-3-4b-it (onnx-community/gemma-3-4b-it-ONNX layout), random tiny twin",
        "question": QUESTION, "image": "photo.png", "mirrored_image": "photo-mirrored.png",
        "steer_layer": STEER_LAYER, "patch_layer": PATCH_LAYER,
        "position_ids": "implicit: the builder decoder takes no position_ids; GroupQueryAttention rotates at "
                        "positions past_length + i (0-based), past_length = sum(attention_mask) - sequence_length",
        "attention": "causal over every token, image tokens included (HF Gemma-3 lets the tokens of one image see "
                     "each other bidirectionally; the builder graph, like the real export, cannot). Sliding layers "
                     f"({tc['layer_types']}) see {tc['sliding_window']} tokens, their own included, as HF does "
                     "and as onnxruntime 1.30's GroupQueryAttention does with local_window_size = sliding_window",
        "rope": "full layers: rope_theta with linear scaling 8 (inv_freq / 8); sliding layers: rope_local_base_freq, "
                "unscaled; cos/sin caches cos_cache_global / cos_cache_local",
        "notes": "pixel_values mirror HF's slow Gemma3ImageProcessor (PIL bilinear on uint8 to 64x64, mean/std 0.5). "
                 "input_ids: the chat template, <start_of_image> expanded to \\n\\n<start_of_image> + 16 "
                 "<image_soft_token> + <end_of_image>\\n\\n, tokenized with add_special_tokens=False (one <bos>, "
                 "from the template). inputs_embeds = embed_tokens (scaled by sqrt(hidden)) with image_features "
                 "merged unscaled. hidden_states[0] = inputs_embeds, hidden_states[l] = output of block l-1 "
                 "(ONNX /model/layers.{l-1}/Add_2), last = before the final norm. steered_logits: steer_vector "
                 "added to the residual entering block steer_layer at steer_positions (last sub-token of ' circle'); "
                 "patched_logits: residual entering block patch_layer at patch_positions (' circle', ' square') "
                 "replaced by the photo-mirrored.png run's. generated_ids: greedy, up to 5 tokens, stops after an "
                 "eos of generation_config (<eos>, <end_of_turn>).",
    }
    return tensors, meta


def greedy(decoder, embed, emb, logits, eos, max_new=5):
    out = []
    for k in range(max_new):
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt in eos or k == max_new - 1:
            break
        emb = torch.cat([emb, embed(torch.tensor([[nxt]]))], 1)
        logits = decoder(emb)[0]
    return out


def build_models(cfg):
    tc = cfg["text_config"]
    vision, embed = VisionEncoder(cfg), ScaledEmbedding(tc)
    decoder = Gemma3TextDecoder(tc, embed)
    holder = torch.nn.ModuleDict({"vision": vision, "decoder": decoder})  # embed is inside decoder
    init_weights(holder, SEED)
    return vision.eval(), embed.eval(), decoder.eval()


def main():
    torch.manual_seed(SEED)
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    tok_json, enc, ids = make_tokenizer()
    cfg = make_config(ids, len(enc.vocab))
    vision, embed, decoder = build_models(cfg)
    write_tokenizer_files(tok_json, ids)
    write_configs(cfg, ids)
    export_all(vision, embed, decoder, cfg["text_config"])
    tensors, meta = reference(vision, embed, decoder, enc, ids, cfg)
    write_safetensors(os.path.join(FIXTURES, "gemma-3.reference.safetensors"), tensors, meta)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total / 1e6:.2f} MB)")
    print(f"input_ids {tensors['input_ids'].shape[0]} tokens, image tokens {tensors['image_features'].shape[0]}, "
          f"steer at {tensors['steer_positions'].tolist()}, patch at {tensors['patch_positions'].tolist()}, "
          f"generated {tensors['generated_ids'].tolist()}")


if __name__ == "__main__":
    main()
