"""PyTorch mirror of Hugging Face's LlavaForConditionalGeneration (llava-1.5: CLIP vision tower,
2-layer GELU projector, Llama decoder), written for torch 1.13 at twin sizes.

Math follows transformers' modeling_clip.py / modeling_llava.py / modeling_llama.py: CLIP
embeddings (conv patches, class embedding, learned positions) -> pre_layrnorm -> pre-norm
encoder layers with quick_gelu MLPs; features = hidden_states[vision_feature_layer], CLS dropped
for "default"; projector linear_1 -> GELU (erf) -> linear_2; Llama RMSNorm (float32 variance),
rotate-half rotary, grouped-query attention, SwiGLU MLP, causal mask, lm_head without bias.
Module names follow HF's so ONNX scopes read /model/layers.N/Add, /model/layers.N/Add_1.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- CLIP vision tower
class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, p = c["hidden_size"], c["patch_size"]
        self.class_embedding = nn.Parameter(torch.zeros(h))
        self.patch_embedding = nn.Conv2d(c["num_channels"], h, kernel_size=p, stride=p, bias=False)
        self.num_positions = (c["image_size"] // p) ** 2 + 1
        self.position_embedding = nn.Embedding(self.num_positions, h)
        self.register_buffer("position_ids", torch.arange(self.num_positions)[None], persistent=False)

    def forward(self, pixel_values):  # [N,3,S,S] -> [N,1+P,H]
        patches = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        cls = self.class_embedding.expand(pixel_values.shape[0], 1, -1)
        return torch.cat([cls, patches], dim=1) + self.position_embedding(self.position_ids)


class CLIPAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.head_dim = h // self.heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(h, h) for _ in range(4))

    def forward(self, x):  # no mask: every patch sees every patch
        b, s, h = x.shape
        q, k, v = (p(x).view(b, s, self.heads, self.head_dim).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        w = torch.softmax((q @ k.transpose(-1, -2)) * self.scale, dim=-1)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, s, h))


class CLIPMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc1 = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.fc2 = nn.Linear(c["intermediate_size"], c["hidden_size"])

    def forward(self, x):
        x = self.fc1(x)
        return self.fc2(x * torch.sigmoid(1.702 * x))  # quick_gelu


class CLIPEncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.self_attn = CLIPAttention(c)
        self.layer_norm2 = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.mlp = CLIPMLP(c)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class CLIPVisionTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = CLIPVisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])  # (sic) HF's name
        self.layers = nn.ModuleList(CLIPEncoderLayer(c) for _ in range(c["num_hidden_layers"]))
        # post_layernorm exists in HF but only feeds pooler_output, which LLaVA never reads
        self.post_layernorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def hidden_states(self, pixel_values, upto):
        """HF's output_hidden_states tuple (index 0 = embeddings after pre_layrnorm), computed
        only as far as index `upto` (LLaVA's feature layer -2 never needs the last layer)."""
        x = self.pre_layrnorm(self.embeddings(pixel_values))
        out = [x]
        for layer in self.layers[:upto]:
            x = layer(x)
            out.append(x)
        return out


# ---------------------------------------------------------------- projector
class LlavaMultiModalProjector(nn.Module):
    def __init__(self, vision_hidden, text_hidden):
        super().__init__()
        self.linear_1 = nn.Linear(vision_hidden, text_hidden)
        self.act = nn.GELU()  # projector_hidden_act "gelu": exact erf form
        self.linear_2 = nn.Linear(text_hidden, text_hidden)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


# ---------------------------------------------------------------- Llama decoder
class LlamaRMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        # HF computes in float32 and casts back; the casts are skipped when x is float32 already
        # (torch 1.13's exporter otherwise leaves a dangling no-op Cast in the graph)
        h = x if x.dtype == torch.float32 else x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * (h if x.dtype == torch.float32 else h.to(x.dtype))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, head_dim, theta):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, position_ids):  # [B,S] -> cos, sin [B,1,S,hd]
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]


def repeat_kv(x, rep):
    """HF's repeat_kv: kv head j serves query heads j*rep .. j*rep+rep-1 (expand + reshape, which
    exports with dynamic shapes; torch 1.13's repeat_interleave export bakes in the traced ones)."""
    if rep == 1:
        return x
    b, kvh, s, d = x.shape
    return x[:, :, None].expand(b, kvh, rep, s, d).reshape(b, kvh * rep, s, d)


class LlamaAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads, self.kv_heads, self.head_dim = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        self.q_proj = nn.Linear(h, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, h, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        kk, vv = repeat_kv(k, self.heads // self.kv_heads), repeat_kv(v, self.heads // self.kv_heads)
        scores = (q @ kk.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask
        w = torch.softmax(scores.float(), dim=-1).to(q.dtype) if q.dtype != torch.float32 else torch.softmax(scores, dim=-1)
        out = (w @ vv).transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        return self.o_proj(out), (k, v)


class LlamaMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = LlamaRMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = LlamaAttention(c)
        self.post_attention_layernorm = LlamaRMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = LlamaMLP(c)

    def forward(self, x, cos, sin, mask, past=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        x = x + a                                                         # /model/layers.N/Add
        return x + self.mlp(self.post_attention_layernorm(x)), present    # /model/layers.N/Add_1


def causal_bias(attention_mask, seq_len, dtype=torch.float32):
    """Additive mask [B,1,S,P+S]: query i (cache slot P+i) sees key j iff j <= P+i and mask[j] == 1."""
    total = attention_mask.shape[1]
    k_idx = torch.arange(total)
    q_idx = torch.arange(seq_len) + (total - seq_len)
    allowed = (k_idx[None, :] <= q_idx[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
    return torch.where(allowed, torch.zeros((), dtype=dtype), torch.full((), torch.finfo(dtype).min, dtype=dtype))


class LlamaModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c.get("pad_token_id"))
        self.layers = nn.ModuleList(LlamaDecoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = LlamaRMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.rotary_emb = LlamaRotaryEmbedding(c["head_dim"], c["rope_theta"])

    def forward(self, inputs_embeds, attention_mask, position_ids, past_key_values=None, edit=None):
        """Returns (normed output, residual stream list [L+1], presents). `edit(l, x)` may return a
        replacement for the residual entering block l (steering and patching)."""
        mask = causal_bias(attention_mask, inputs_embeds.shape[1], inputs_embeds.dtype)
        cos, sin = self.rotary_emb(position_ids)
        x, stream, presents = inputs_embeds, [], []
        for i, layer in enumerate(self.layers):
            if edit is not None:
                x = edit(i, x)
            stream.append(x)
            x, present = layer(x, cos, sin, mask, past_key_values[i] if past_key_values is not None else None)
            presents.append(present)
        stream.append(x)
        return self.norm(x), stream, presents


# ---------------------------------------------------------------- the whole model
class LlavaTwin(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        v, t = cfg["vision_config"], cfg["text_config"]
        self.vision_tower = CLIPVisionTransformer(v)
        self.multi_modal_projector = LlavaMultiModalProjector(v["hidden_size"], t["hidden_size"])
        self.model = LlamaModel(t)
        self.lm_head = nn.Linear(t["hidden_size"], t["vocab_size"], bias=False)

    def get_image_features(self, pixel_values):  # [N,3,S,S] -> [N,T,H]
        layer = self.cfg["vision_feature_layer"]
        idx = len(self.vision_tower.layers) + 1 + layer if layer < 0 else layer  # index into HF's L+1 states
        feats = self.vision_tower.hidden_states(pixel_values, upto=idx)[idx]
        if self.cfg["vision_feature_select_strategy"] == "default":
            feats = feats[:, 1:]  # drop CLS
        return self.multi_modal_projector(feats)

    def merge(self, input_ids, inputs_embeds, image_features):
        """Image feature row k replaces the k-th image-token position (masked_scatter)."""
        feats = image_features.reshape(-1, image_features.shape[-1])
        mask = input_ids == self.cfg["image_token_index"]
        if int(mask.sum()) != feats.shape[0]:
            raise ValueError(f"image tokens {int(mask.sum())} != image features {feats.shape[0]}")
        out = inputs_embeds.clone()
        out[mask] = feats
        return out

    def inputs_embeds(self, input_ids, pixel_values):
        return self.merge(input_ids, self.model.embed_tokens(input_ids), self.get_image_features(pixel_values))

    def run(self, inputs_embeds, attention_mask=None, position_ids=None, past=None, edit=None):
        b, s, _ = inputs_embeds.shape
        past_len = past[0][0].shape[2] if past else 0
        if attention_mask is None:
            attention_mask = torch.ones(b, past_len + s, dtype=torch.long)
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + s)[None].expand(b, s)
        normed, stream, presents = self.model(inputs_embeds, attention_mask, position_ids, past, edit)
        return self.lm_head(normed), stream, presents

    @torch.no_grad()
    def generate(self, inputs_embeds, max_new_tokens, eos_token_id):
        """Greedy decoding with the KV cache, as transformers.js runs the exported graphs."""
        logits, _, past = self.run(inputs_embeds)
        out = []
        for _ in range(max_new_tokens):
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            if nxt == eos_token_id:
                break
            emb = self.model.embed_tokens(torch.tensor([[nxt]]))
            logits, _, past = self.run(emb, past=past)
        return out


def init_weights(model, seed):
    """Seeded random weights with unit-scale activations (HF's std 0.02 would leave a near-uniform
    twin whose interventions barely move the logits). Modules are visited in a fixed order."""
    g = torch.Generator().manual_seed(seed)

    def randn(shape, scale):
        return torch.randn(shape, generator=g) * scale

    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                m.weight.copy_(randn(m.weight.shape, 1 / math.sqrt(m.weight[0].numel())))
                if m.bias is not None:
                    m.bias.copy_(randn(m.bias.shape, 0.02))
            elif isinstance(m, nn.Embedding):
                m.weight.copy_(randn(m.weight.shape, 0.5 if "position" in name else 1.0))
            elif isinstance(m, (nn.LayerNorm, LlamaRMSNorm)):  # norm gains around 1
                m.weight.copy_(1.0 + randn(m.weight.shape, 0.1))
                if getattr(m, "bias", None) is not None:
                    m.bias.copy_(randn(m.bias.shape, 0.02))
            elif isinstance(m, CLIPVisionEmbeddings):
                m.class_embedding.copy_(randn(m.class_embedding.shape, 1.0))
    return model
