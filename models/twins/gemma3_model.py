"""PyTorch mirror of Hugging Face's Gemma3ForConditionalGeneration (SigLIP tower, Gemma3 multimodal
projector, Gemma3 text decoder), written for torch 1.13 with the same math as transformers'
modeling_siglip.py / modeling_gemma3.py, at twin sizes.

One deliberate departure, to match the onnxruntime-genai builder graph the twin ships (stated
again in the reference's metadata): attention is causal everywhere, image tokens included (HF
lets the tokens of one image see each other bidirectionally; the builder's GroupQueryAttention
cannot). Sliding layers see their own token and the sliding_window - 1 before it, as HF's mask
does and as onnxruntime 1.30's CPU GroupQueryAttention does with local_window_size = sliding_window
(measured: the graph matches this mask, not one token wider).
"""
import math

import torch
from torch import nn
from torch.nn import functional as F


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


# ---------------------------------------------------------------- SigLIP vision tower (no head)

class SiglipAttention(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.heads, self.head_dim = vc["num_attention_heads"], vc["hidden_size"] // vc["num_attention_heads"]
        h = vc["hidden_size"]
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(h, h) for _ in range(4))

    def forward(self, x):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, self.heads, self.head_dim).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        w = torch.softmax((q @ k.transpose(2, 3)) * self.head_dim ** -0.5, dim=-1, dtype=torch.float32)
        return self.out_proj((w @ v).transpose(1, 2).reshape(b, t, -1))


class SiglipEncoderLayer(nn.Module):
    def __init__(self, vc):
        super().__init__()
        h, eps = vc["hidden_size"], vc["layer_norm_eps"]
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(h, eps=eps), nn.LayerNorm(h, eps=eps)
        self.self_attn = SiglipAttention(vc)
        self.fc1, self.fc2 = nn.Linear(h, vc["intermediate_size"]), nn.Linear(vc["intermediate_size"], h)

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.fc2(gelu_tanh(self.fc1(self.layer_norm2(x))))


class SiglipVisionModel(nn.Module):
    def __init__(self, vc):
        super().__init__()
        h, p = vc["hidden_size"], vc["patch_size"]
        self.patch_embedding = nn.Conv2d(vc["num_channels"], h, kernel_size=p, stride=p)  # padding "valid"
        self.num_patches = (vc["image_size"] // p) ** 2
        self.position_embedding = nn.Embedding(self.num_patches, h)
        self.layers = nn.ModuleList(SiglipEncoderLayer(vc) for _ in range(vc["num_hidden_layers"]))
        self.post_layernorm = nn.LayerNorm(h, eps=vc["layer_norm_eps"])

    def forward(self, pixel_values):
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = x + self.position_embedding.weight[None]
        for layer in self.layers:
            x = layer(x)
        return self.post_layernorm(x)  # last_hidden_state (vision_use_head is false)


# ---------------------------------------------------------------- Gemma pieces

class Gemma3RMSNorm(nn.Module):
    """x * rsqrt(mean(x^2) + eps) * (1 + w), computed in float32 (weights are stored 0-centred)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        y = x.float()
        y = y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * (1.0 + self.weight.float())).type_as(x)


class Gemma3MultiModalProjector(nn.Module):
    """[n, patches, Hv] -> avg pool of the patch grid to mm_tokens_per_image -> RMSNorm -> @ W."""

    def __init__(self, cfg):
        super().__init__()
        vc, tc = cfg["vision_config"], cfg["text_config"]
        self.mm_input_projection_weight = nn.Parameter(torch.zeros(vc["hidden_size"], tc["hidden_size"]))
        self.mm_soft_emb_norm = Gemma3RMSNorm(vc["hidden_size"], eps=vc["layer_norm_eps"])
        self.patches_per_image = vc["image_size"] // vc["patch_size"]
        tokens_per_side = int(cfg["mm_tokens_per_image"] ** 0.5)
        self.kernel = self.patches_per_image // tokens_per_side

    def forward(self, vision_outputs):
        b, _, d = vision_outputs.shape
        x = vision_outputs.transpose(1, 2).reshape(b, d, self.patches_per_image, self.patches_per_image)
        x = F.avg_pool2d(x.contiguous(), kernel_size=self.kernel, stride=self.kernel)
        x = self.mm_soft_emb_norm(x.flatten(2).transpose(1, 2))
        return torch.matmul(x, self.mm_input_projection_weight).type_as(vision_outputs)


class VisionEncoder(nn.Module):
    """What onnx/vision_encoder.onnx computes: pixel_values -> image_features (get_image_features)."""

    def __init__(self, cfg):
        super().__init__()
        self.vision_tower = SiglipVisionModel(cfg["vision_config"])
        self.multi_modal_projector = Gemma3MultiModalProjector(cfg)

    def forward(self, pixel_values):
        return self.multi_modal_projector(self.vision_tower(pixel_values))


class ScaledEmbedding(nn.Module):
    """Gemma3TextScaledWordEmbedding: the sqrt(hidden) scale belongs to embed_tokens.onnx."""

    def __init__(self, tc):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(tc["vocab_size"], tc["hidden_size"]))
        self.scale = float(tc["hidden_size"] ** 0.5)

    def forward(self, input_ids):
        return F.embedding(input_ids, self.weight) * torch.tensor(self.scale, dtype=self.weight.dtype)


def rope_inv_freq(tc, layer_type):
    """HF: full layers use rope_theta (with linear scaling: inv_freq / factor), sliding layers the
    default rope at rope_local_base_freq."""
    dim = tc["head_dim"]
    base = tc["rope_theta"] if layer_type == "full_attention" else tc["rope_local_base_freq"]
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = tc.get("rope_scaling")
    if layer_type == "full_attention" and scaling and scaling.get("rope_type") == "linear":
        inv = inv / scaling["factor"]
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Gemma3Attention(nn.Module):
    def __init__(self, tc, layer_type):
        super().__init__()
        h, hd = tc["hidden_size"], tc["head_dim"]
        self.heads, self.kv_heads, self.head_dim = tc["num_attention_heads"], tc["num_key_value_heads"], hd
        self.scaling = tc["query_pre_attn_scalar"] ** -0.5
        self.window = tc["sliding_window"] if layer_type == "sliding_attention" else None
        self.q_proj = nn.Linear(h, self.heads * hd, bias=False)
        self.k_proj = nn.Linear(h, self.kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(h, self.kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(self.heads * hd, h, bias=False)
        self.q_norm = Gemma3RMSNorm(hd, tc["rms_norm_eps"])
        self.k_norm = Gemma3RMSNorm(hd, tc["rms_norm_eps"])

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        q = self.q_norm(self.q_proj(x).view(b, s, -1, self.head_dim).transpose(1, 2))
        k = self.k_norm(self.k_proj(x).view(b, s, -1, self.head_dim).transpose(1, 2))
        v = self.v_proj(x).view(b, s, -1, self.head_dim).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv_heads
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        scores = (q @ k.transpose(2, 3)) * self.scaling
        i = torch.arange(s)[:, None]
        j = torch.arange(s)[None, :]
        allowed = j <= i  # causal over every token, image tokens included (see module docstring)
        if self.window is not None:
            allowed &= (i - j) < self.window
        scores = scores.masked_fill(~allowed, float("-inf"))
        w = torch.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        return self.o_proj((w @ v).transpose(1, 2).reshape(b, s, -1))


class Gemma3MLP(nn.Module):
    def __init__(self, tc):
        super().__init__()
        h, i = tc["hidden_size"], tc["intermediate_size"]
        self.gate_proj, self.up_proj = nn.Linear(h, i, bias=False), nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(gelu_tanh(self.gate_proj(x)) * self.up_proj(x))


class Gemma3DecoderLayer(nn.Module):
    def __init__(self, tc, layer_type):
        super().__init__()
        h, eps = tc["hidden_size"], tc["rms_norm_eps"]
        self.layer_type = layer_type
        self.self_attn, self.mlp = Gemma3Attention(tc, layer_type), Gemma3MLP(tc)
        self.input_layernorm = Gemma3RMSNorm(h, eps)
        self.post_attention_layernorm = Gemma3RMSNorm(h, eps)
        self.pre_feedforward_layernorm = Gemma3RMSNorm(h, eps)
        self.post_feedforward_layernorm = Gemma3RMSNorm(h, eps)

    def forward(self, x, cos, sin):
        x = x + self.post_attention_layernorm(self.self_attn(self.input_layernorm(x), cos, sin))  # Add_1
        return x + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(x)))  # Add_2


class Gemma3TextDecoder(nn.Module):
    """The decoder as decoder_model_merged.onnx runs it: inputs_embeds (already scaled, image
    features merged unscaled) -> logits; positions 0..S-1 (implicit, from the attention mask)."""

    def __init__(self, tc, embed: ScaledEmbedding):
        super().__init__()
        self.tc = tc
        self.layers = nn.ModuleList(Gemma3DecoderLayer(tc, t) for t in tc["layer_types"])
        self.norm = Gemma3RMSNorm(tc["hidden_size"], tc["rms_norm_eps"])
        self.embed = embed  # tied lm_head (tie_word_embeddings)

    def rope(self, layer_type, seq_len):
        freqs = torch.outer(torch.arange(seq_len).float(), rope_inv_freq(self.tc, layer_type))
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[None, None], emb.sin()[None, None]

    def forward(self, inputs_embeds, edit=None):
        """edit(l, residual) -> residual, called on the residual entering block l (0..L-1).
        Returns (logits [B,S,V], hidden_states [L+1] list: 0 = inputs_embeds, l = block l-1's output)."""
        s = inputs_embeds.shape[1]
        ropes = {t: self.rope(t, s) for t in set(self.tc["layer_types"])}
        x, hidden = inputs_embeds, []
        for l, layer in enumerate(self.layers):
            if edit is not None:
                x = edit(l, x)
            hidden.append(x)
            x = layer(x, *ropes[layer.layer_type])
        hidden.append(x)
        logits = self.norm(x) @ self.embed.weight.T
        cap = self.tc.get("final_logit_softcapping")
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits, hidden


def init_weights(module: nn.Module, seed: int):
    """Seeded random weights with unit-scale activations (HF's 0.02 init would leave a twin's
    residual stream near zero): linear/conv ~ N(0, 1/fan_in), biases ~ N(0, 0.02), Gemma RMSNorm
    offsets ~ N(0, 0.1) (used as 1 + w), LayerNorm weights ~ 1 + N(0, 0.1), embeddings and the
    projector ~ N(0, 1/width). Parameters are visited in registration order, so the seed fixes all."""
    g = torch.Generator().manual_seed(seed)
    rand = lambda shape, std, mean=0.0: torch.randn(shape, generator=g) * std + mean  # noqa: E731
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                m.weight.copy_(rand(m.weight.shape, 1.0 / math.sqrt(m.weight[0].numel())))
                if m.bias is not None:
                    m.bias.copy_(rand(m.bias.shape, 0.02))
            elif isinstance(m, Gemma3RMSNorm):
                m.weight.copy_(rand(m.weight.shape, 0.1))
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(rand(m.weight.shape, 0.1, 1.0))
                m.bias.copy_(rand(m.bias.shape, 0.02))
            elif isinstance(m, (nn.Embedding, ScaledEmbedding)):
                m.weight.copy_(rand(m.weight.shape, 1.0 / math.sqrt(m.weight.shape[1])))
            elif isinstance(m, Gemma3MultiModalProjector):
                w = m.mm_input_projection_weight
                w.copy_(rand(w.shape, 1.0 / math.sqrt(w.shape[0])))
