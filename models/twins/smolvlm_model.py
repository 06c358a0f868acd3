"""PyTorch mirror of Idefics3ForConditionalGeneration (SmolVLM-256M-Instruct) at twin size.

Same math as Hugging Face's modeling_idefics3.py + modeling_llama.py:
  vision: patch Conv2d -> + learned positions (bucketised from the patch mask, as
  Idefics3VisionEmbeddings) -> pre-norm encoder layers (LayerNorm, MHA with biases, gelu tanh MLP)
  -> post_layernorm; connector: pixel_shuffle(scale_factor) -> Linear without bias;
  text: Llama (RMSNorm, rotate-half RoPE, GQA, SiLU-gated MLP, no biases), separate lm_head.
The residual adds sit directly in each decoder layer's forward so the ONNX export names them
/model/layers.N/Add (after attention) and /model/layers.N/Add_1 (the layer output).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def gelu_tanh(x):  # ACT2FN["gelu_pytorch_tanh"]
    return F.gelu(x, approximate="tanh")


class VisionEmbeddings(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.patch_size, self.n_side = vc["patch_size"], vc["image_size"] // vc["patch_size"]
        self.patch_embedding = nn.Conv2d(3, vc["hidden_size"], self.patch_size, self.patch_size)
        self.position_embedding = nn.Embedding(self.n_side ** 2, vc["hidden_size"])

    def forward(self, pixel_values, patch_mask):  # patch_mask [n, ph, pw] bool, a top-left rectangle
        emb = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        n, ph, pw = patch_mask.shape
        # HF loops over images: fractional coords i/nb_patches bucketised against k/n_side
        # (right=True, i.e. count of boundaries <= x). Vectorised here so it traces to ONNX.
        boundaries = torch.arange(1 / self.n_side, 1.0, 1 / self.n_side)
        nb_h = patch_mask[:, :, 0].sum(-1).to(torch.float32)  # [n]
        nb_w = patch_mask[:, 0, :].sum(-1).to(torch.float32)
        frac_h = torch.arange(ph, dtype=torch.float32)[None] * (1.0 / nb_h[:, None])
        frac_w = torch.arange(pw, dtype=torch.float32)[None] * (1.0 / nb_w[:, None])
        bh = (frac_h[..., None] >= boundaries).sum(-1)  # [n, ph]
        bw = (frac_w[..., None] >= boundaries).sum(-1)
        pos = bh[:, :, None] * self.n_side + bw[:, None, :]
        pos = torch.where(patch_mask, pos, torch.zeros_like(pos)).reshape(n, ph * pw)
        return emb + self.position_embedding(pos)


class VisionAttention(nn.Module):
    def __init__(self, vc):
        super().__init__()
        d = vc["hidden_size"]
        self.heads, self.head_dim = vc["num_attention_heads"], d // vc["num_attention_heads"]
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):  # mask [n, 1, 1, s] additive
        n, s, d = x.shape
        q, k, v = (p(x).view(n, s, self.heads, self.head_dim).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        w = torch.matmul(q, k.transpose(2, 3)) * self.head_dim ** -0.5 + mask
        o = torch.matmul(torch.softmax(w, -1), v).transpose(1, 2).reshape(n, s, d)
        return self.out_proj(o)


class VisionLayer(nn.Module):
    def __init__(self, vc):
        super().__init__()
        d, eps = vc["hidden_size"], vc["layer_norm_eps"]
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.self_attn = VisionAttention(vc)
        self.fc1, self.fc2 = nn.Linear(d, vc["intermediate_size"]), nn.Linear(vc["intermediate_size"], d)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.fc2(gelu_tanh(self.fc1(self.layer_norm2(x))))


class VisionTower(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.patch_size = vc["patch_size"]
        self.embeddings = VisionEmbeddings(vc)
        self.layers = nn.ModuleList(VisionLayer(vc) for _ in range(vc["num_hidden_layers"]))
        self.post_layernorm = nn.LayerNorm(vc["hidden_size"], eps=vc["layer_norm_eps"])

    def forward(self, pixel_values, pixel_mask):  # [n,3,h,w], [n,h,w] bool
        n, _, h, w = pixel_values.shape
        p = self.patch_size
        # Idefics3Model: unfold the pixel mask into patches; a patch counts if any pixel is real
        patch_mask = pixel_mask.reshape(n, h // p, p, w // p, p).to(torch.int64).sum((2, 4)) > 0
        x = self.embeddings(pixel_values, patch_mask)
        # HF passes no mask when every patch is real and finfo.min where not; adding 0 is exact
        add = torch.where(patch_mask.reshape(n, 1, 1, -1), torch.zeros(()), torch.tensor(torch.finfo(torch.float32).min))
        for layer in self.layers:
            x = layer(x, add)
        return self.post_layernorm(x)


class Connector(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.scale_factor = cfg["scale_factor"]
        vc, tc = cfg["vision_config"], cfg["text_config"]
        self.proj = nn.Linear(vc["hidden_size"] * self.scale_factor ** 2, tc["hidden_size"], bias=False)

    def pixel_shuffle(self, x):  # Idefics3Connector.pixel_shuffle, same reshapes and permutes
        s = self.scale_factor
        b, seq, d = x.shape
        side = int(seq ** 0.5)
        x = x.reshape(b, side, side // s, d * s).permute(0, 2, 1, 3)
        x = x.reshape(b, side // s, side // s, d * s * s).permute(0, 2, 1, 3)
        return x.reshape(b, seq // (s * s), d * s * s)

    def forward(self, x):
        return self.proj(self.pixel_shuffle(x))


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


def repeat_kv(x, n_rep):  # HF's expand + reshape (repeat_interleave exports wrongly in torch 1.13)
    b, kvh, s, hd = x.shape
    return x[:, :, None].expand(b, kvh, n_rep, s, hd).reshape(b, kvh * n_rep, s, hd)


class Attention(nn.Module):
    def __init__(self, tc):
        super().__init__()
        d, self.hd = tc["hidden_size"], tc["head_dim"]
        self.nh, self.kvh = tc["num_attention_heads"], tc["num_key_value_heads"]
        self.q_proj = nn.Linear(d, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.v_proj = nn.Linear(d, self.kvh * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kvh, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kvh, self.hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = torch.cat([past_k, k], 2), torch.cat([past_v, v], 2)
        kr, vr = repeat_kv(k, self.nh // self.kvh), repeat_kv(v, self.nh // self.kvh)
        w = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(self.hd) + mask
        o = torch.matmul(torch.softmax(w, -1), vr).transpose(1, 2).reshape(b, s, self.nh * self.hd)
        return self.o_proj(o), k, v


class DecoderLayer(nn.Module):
    def __init__(self, tc):
        super().__init__()
        d, eps, i = tc["hidden_size"], tc["rms_norm_eps"], tc["intermediate_size"]
        self.input_layernorm, self.post_attention_layernorm = RMSNorm(d, eps), RMSNorm(d, eps)
        self.self_attn = Attention(tc)
        self.mlp = MLP(d, i)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        a, k, v = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_k, past_v)
        x = x + a  # /model/layers.N/Add
        x = x + self.mlp(self.post_attention_layernorm(x))  # /model/layers.N/Add_1
        return x, k, v


class MLP(nn.Module):
    def __init__(self, d, i):
        super().__init__()
        self.gate_proj, self.up_proj = nn.Linear(d, i, bias=False), nn.Linear(d, i, bias=False)
        self.down_proj = nn.Linear(i, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class TextModel(nn.Module):
    def __init__(self, tc):
        super().__init__()
        self.embed_tokens = nn.Embedding(tc["vocab_size"], tc["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(tc) for _ in range(tc["num_hidden_layers"]))
        self.norm = RMSNorm(tc["hidden_size"], tc["rms_norm_eps"])
        hd = tc["head_dim"]
        self.register_buffer("inv_freq", 1.0 / tc["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd),
                             persistent=False)

    def forward(self, h, attention_mask, position_ids, past, edit=None):
        """h [b,s,H]; attention_mask [b,past+s]; past: list of (k, v). edit(l, h) -> h changes the
        residual entering block l (steering/patching); returns (hidden list, final h, presents)."""
        b, s, _ = h.shape
        total = attention_mask.shape[1]
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        q_pos = torch.arange(s)[:, None] + (total - s)
        allowed = (torch.arange(total)[None] <= q_pos)[None, None] & (attention_mask[:, None, None, :] > 0)
        mask = torch.where(allowed, torch.zeros(()), torch.tensor(torch.finfo(torch.float32).min))
        hidden, presents = [], []
        for i, layer in enumerate(self.layers):
            if edit is not None:
                h = edit(i, h)
            hidden.append(h)
            h, k, v = layer(h, cos, sin, mask, past[i][0], past[i][1])
            presents.append((k, v))
        hidden.append(h)
        return hidden, h, presents


class SmolVLMTwin(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.vision_model = VisionTower(cfg["vision_config"])
        self.connector = Connector(cfg)
        self.text_model = TextModel(cfg["text_config"])
        self.lm_head = nn.Linear(cfg["text_config"]["hidden_size"], cfg["text_config"]["vocab_size"], bias=False)

    def image_features(self, pixel_values, pixel_attention_mask):
        """[b, n, 3, h, w] + [b, n, h, w] -> [real tiles, image_seq_len, H]; all-zero (padding)
        tiles are dropped as Idefics3Model does."""
        b, n, c, h, w = pixel_values.shape
        pv = pixel_values.reshape(b * n, c, h, w)
        pm = pixel_attention_mask.reshape(b * n, h, w).to(torch.bool)
        real = ((pv == 0.0).to(torch.int64).sum((1, 2, 3)) != c * h * w).nonzero().reshape(-1)
        pv, pm = pv.index_select(0, real), pm.index_select(0, real)
        return self.connector(self.vision_model(pv, pm))

    def merge(self, input_ids, image_features):
        """Idefics3Model.inputs_merger: feature row k replaces the k-th <image> position."""
        emb = self.text_model.embed_tokens(input_ids)
        mask = input_ids == self.cfg["image_token_id"]
        emb[mask] = image_features.reshape(-1, emb.shape[-1])
        return emb

    def decode(self, inputs_embeds, attention_mask, position_ids, past=None, edit=None):
        tc = self.cfg["text_config"]
        if past is None:
            z = inputs_embeds.new_zeros(inputs_embeds.shape[0], tc["num_key_value_heads"], 0, tc["head_dim"])
            past = [(z, z)] * tc["num_hidden_layers"]
        hidden, h, presents = self.text_model(inputs_embeds, attention_mask, position_ids, past, edit)
        return self.lm_head(self.text_model.norm(h)), hidden, presents


def init_weights(model, seed):
    """Seeded random weights; std large enough that activations and logits are not degenerate."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight") or ("layer_norm" in name and name.endswith("weight")):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
            elif p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(fan_in))
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
        model.text_model.embed_tokens.weight.mul_(math.sqrt(model.cfg["text_config"]["hidden_size"]) * 0.1)
