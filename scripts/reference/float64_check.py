"""A check of the stored reference outputs themselves: every case recomputed in float64 with plain numpy, written
here from transformers' definitions (modeling_gpt2.py, modeling_llama.py with _compute_llama3_parameters,
modeling_qwen2.py, modeling_gpt_neox.py), and every hook and the logits of every reference compared with it. It
catches a harness that drives a reference with the wrong mapping (a config field, a permutation, an activation),
which the references agreeing with the project alone would not tell apart from a shared mistake.

  /usr/bin/python3 scripts/reference/float64_check.py worker/test-fixtures/reference"""

import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hf_folder import read_folder  # noqa: E402


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(-1, keepdims=True) + eps) * w + b


def rms_norm(x, w, eps):
    return w * x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)


gelu_exact = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def inv_freq(base, rot, scaling=None):
    inv = 1 / base ** (np.arange(0, rot, 2) / rot)
    if scaling:  # transformers' _compute_llama3_parameters
        f, lo, hi = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        out = np.where(wavelen > old / lo, inv / f, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        medium = ~(wavelen < old / hi) & ~(wavelen > old / lo)
        inv = np.where(medium, (1 - smooth) * inv / f + smooth * inv, out)
    return inv


def attention(q, k, v, rot=0, inv=None):
    """q [H, T, hd], k/v [KV, T, hd]; rotate_half rotary on the first `rot` dims; causal; heads side by side."""
    H, T, hd = q.shape
    if rot:
        ang = np.outer(np.arange(T), inv)
        cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))

        def rope(x):
            r = x[..., :rot]
            rotated = np.concatenate([-r[..., rot // 2:], r[..., : rot // 2]], -1)
            return np.concatenate([r * cos + rotated * sin, x[..., rot:]], -1)

        q, k = rope(q), rope(k)
    k, v = np.repeat(k, H // k.shape[0], 0), np.repeat(v, H // v.shape[0], 0)
    s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + np.triu(np.full((T, T), -np.inf), 1)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return (p @ v).transpose(1, 0, 2).reshape(T, H * hd)


def forward(c, t, ids):
    t = {k: v.astype(np.float64) for k, v in t.items()}
    hooks = {}
    T = len(ids)
    mt = c["model_type"]
    if mt == "gpt2":
        p = "transformer." if "transformer.wte.weight" in t else ""
        g = lambda n: t[p + n]  # noqa: E731
        d, H, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
        act = gelu_new if c["activation_function"] == "gelu_new" else gelu_exact
        x = g("wte.weight")[ids] + g("wpe.weight")[:T]
        for l in range(c["n_layer"]):
            b = lambda n: g(f"h.{l}.{n}")  # noqa: E731
            hooks[f"blocks.{l}.hook_resid_pre"] = x
            qkv = layer_norm(x, b("ln_1.weight"), b("ln_1.bias"), eps) @ b("attn.c_attn.weight") + b("attn.c_attn.bias")
            q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(T, H, -1).transpose(1, 0, 2) for i in range(3))
            z = attention(q, k, v)
            a = z @ b("attn.c_proj.weight") + b("attn.c_proj.bias")
            x = x + a
            n2 = layer_norm(x, b("ln_2.weight"), b("ln_2.bias"), eps)
            pre = n2 @ b("mlp.c_fc.weight") + b("mlp.c_fc.bias")
            m = act(pre) @ b("mlp.c_proj.weight") + b("mlp.c_proj.bias")
            hooks.update({f"blocks.{l}.{k_}": v_ for k_, v_ in [
                ("attn.hook_z", z), ("hook_attn_out", a), ("hook_resid_mid", x), ("ln2.hook_normalized", n2),
                ("mlp.hook_pre", pre), ("mlp.hook_post", act(pre)), ("hook_mlp_out", m), ("hook_resid_post", x + m)]})
            x = x + m
        logits = layer_norm(x, g("ln_f.weight"), g("ln_f.bias"), eps) @ g("wte.weight").T
    elif mt in ("llama", "mistral", "qwen2"):
        d, H = c["hidden_size"], c["num_attention_heads"]
        KV, eps, hd = c.get("num_key_value_heads", H), c["rms_norm_eps"], d // H
        inv = inv_freq(c.get("rope_theta", 10000.0), hd, c.get("rope_scaling"))
        x = t["model.embed_tokens.weight"][ids]
        for l in range(c["num_hidden_layers"]):
            b = lambda n: t[f"model.layers.{l}.{n}"]  # noqa: E731
            bias = lambda n: t.get(f"model.layers.{l}.{n}", 0)  # noqa: E731
            hooks[f"blocks.{l}.hook_resid_pre"] = x
            n1 = rms_norm(x, b("input_layernorm.weight"), eps)
            q, k, v = ((n1 @ b(f"self_attn.{w}_proj.weight").T + bias(f"self_attn.{w}_proj.bias"))
                       .reshape(T, -1, hd).transpose(1, 0, 2) for w in "qkv")
            z = attention(q, k, v, hd, inv)
            a = z @ b("self_attn.o_proj.weight").T
            x = x + a
            n2 = rms_norm(x, b("post_attention_layernorm.weight"), eps)
            gate, up = n2 @ b("mlp.gate_proj.weight").T, n2 @ b("mlp.up_proj.weight").T
            post = gate / (1 + np.exp(-gate)) * up
            m = post @ b("mlp.down_proj.weight").T
            hooks.update({f"blocks.{l}.{k_}": v_ for k_, v_ in [
                ("attn.hook_z", z), ("hook_attn_out", a), ("hook_resid_mid", x), ("ln2.hook_normalized", n2),
                ("mlp.hook_pre", gate), ("mlp.hook_pre_linear", up), ("mlp.hook_post", post), ("hook_mlp_out", m),
                ("hook_resid_post", x + m)]})
            x = x + m
        head = t["lm_head.weight"] if "lm_head.weight" in t else t["model.embed_tokens.weight"]
        logits = rms_norm(x, t["model.norm.weight"], eps) @ head.T
    elif mt == "gpt_neox":
        d, H, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
        hd = d // H
        rot = int(hd * c["rotary_pct"])
        inv = inv_freq(c["rotary_emb_base"], rot)
        x = t["gpt_neox.embed_in.weight"][ids]
        for l in range(c["num_hidden_layers"]):
            b = lambda n: t[f"gpt_neox.layers.{l}.{n}"]  # noqa: E731
            hooks[f"blocks.{l}.hook_resid_pre"] = x
            n1 = layer_norm(x, b("input_layernorm.weight"), b("input_layernorm.bias"), eps)
            # query_key_value rows per head: q, k, v of hd each (modeling_gpt_neox.py's view(..., H, 3 * hd))
            qkv = (n1 @ b("attention.query_key_value.weight").T + b("attention.query_key_value.bias"))
            qkv = qkv.reshape(T, H, 3 * hd).transpose(1, 0, 2)
            z = attention(qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:], rot, inv)
            a = z @ b("attention.dense.weight").T + b("attention.dense.bias")
            if not c["use_parallel_residual"]:
                x = x + a
                hooks[f"blocks.{l}.hook_resid_mid"] = x
            n2 = layer_norm(x, b("post_attention_layernorm.weight"), b("post_attention_layernorm.bias"), eps)
            pre = n2 @ b("mlp.dense_h_to_4h.weight").T + b("mlp.dense_h_to_4h.bias")
            post = gelu_exact(pre)
            m = post @ b("mlp.dense_4h_to_h.weight").T + b("mlp.dense_4h_to_h.bias")
            x = x + a + m if c["use_parallel_residual"] else x + m
            hooks.update({f"blocks.{l}.{k_}": v_ for k_, v_ in [
                ("attn.hook_z", z), ("hook_attn_out", a), ("ln2.hook_normalized", n2), ("mlp.hook_pre", pre),
                ("mlp.hook_post", post), ("hook_mlp_out", m), ("hook_resid_post", x)]})
        logits = layer_norm(x, t["gpt_neox.final_layer_norm.weight"], t["gpt_neox.final_layer_norm.bias"], eps)
        logits = logits @ t["embed_out.weight"].T
    else:
        raise ValueError(mt)
    return hooks, logits


def main(root):
    worst_all = 0.0
    for case in sorted(os.listdir(root)):
        if not os.path.exists(os.path.join(root, case, "model", "config.json")):
            continue
        c, t = read_folder(os.path.join(root, case, "model"))
        for ref in sorted(os.listdir(os.path.join(root, case))):
            out = os.path.join(root, case, ref)
            if not os.path.exists(os.path.join(out, "manifest.json")):
                continue
            m = json.load(open(os.path.join(out, "manifest.json")))
            hooks, logits = forward(c, t, m["ids"])
            if set(hooks) != set(m["hooks"]):
                raise RuntimeError(f"{case}/{ref}: hooks {sorted(set(hooks) ^ set(m['hooks']))} differ")
            rel = lambda a, b: float(np.abs(a - b).max() / np.abs(a).max())  # noqa: E731
            diffs = {h: rel(hooks[h], np.load(os.path.join(out, f"{h}.npy"))) for h in m["hooks"]}
            diffs["logits"] = rel(logits, np.load(os.path.join(out, "logits.npy")))
            worst = max(diffs, key=diffs.get)
            worst_all = max(worst_all, diffs[worst])
            print(f"{case:20} {ref:8} {len(diffs)} tensors, worst {diffs[worst]:.1e} ({worst})")
    print(f"worst of all {worst_all:.1e}")
    return 0 if worst_all <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
