"""Small random models in the Hugging Face layouts (tensor names, shapes and config.json as transformers writes
them), every parameter random: weights N(0, 1/fan_in), biases 0.1·N(0,1), norm gains 1 + 0.1·N(0,1), norm biases
0.1·N(0,1), embeddings N(0,1) (GPT-2 position embeddings 0.5·N(0,1)).

Layouts (for the tensor names, see transformers' modeling_gpt2.py, modeling_llama.py, modeling_qwen2.py,
modeling_gpt_neox.py):
- gpt2: [transformer.]wte/wpe, h.{l}.ln_1/attn.c_attn/attn.c_proj/ln_2/mlp.c_fc/mlp.c_proj, ln_f; Conv1D weights
  are [in, out]; c_attn's columns are q | k | v, heads side by side in each.
- llama, mistral, qwen2: model.embed_tokens, model.layers.{l}.input_layernorm, self_attn.{q,k,v,o}_proj (qwen2:
  q/k/v biases), post_attention_layernorm, mlp.{gate,up,down}_proj, model.norm, lm_head (untied only); Linear
  weights are [out, in]; q/k rows per head in rotate_half order (HF's permuted layout).
- gpt_neox: gpt_neox.embed_in, gpt_neox.layers.{l}.input_layernorm, attention.query_key_value ([3d, d]; rows per
  head q, k, v of dHead each), attention.dense, post_attention_layernorm, mlp.dense_h_to_4h, mlp.dense_4h_to_h,
  gpt_neox.final_layer_norm, embed_out."""

import numpy as np

from hf_folder import round_to_dtype


class Draw:
    def __init__(self, seed):
        self.r = np.random.default_rng(seed)

    def weight(self, shape, fan_in):
        return (self.r.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)

    def bias(self, n):
        return (0.1 * self.r.standard_normal(n)).astype(np.float32)

    def gain(self, n):
        return (1 + 0.1 * self.r.standard_normal(n)).astype(np.float32)

    def normal(self, shape, scale=1.0):
        return (scale * self.r.standard_normal(shape)).astype(np.float32)


def gpt2(seed, d=32, layers=2, heads=4, vocab=260, ctx=32, prefix="transformer.", activation="gelu_new"):
    g = Draw(seed)
    p = prefix
    t = {f"{p}wte.weight": g.normal((vocab, d)), f"{p}wpe.weight": g.normal((ctx, d), 0.5)}
    for l in range(layers):
        b = f"{p}h.{l}."
        t.update({
            f"{b}ln_1.weight": g.gain(d), f"{b}ln_1.bias": g.bias(d),
            f"{b}attn.c_attn.weight": g.weight((d, 3 * d), d), f"{b}attn.c_attn.bias": g.bias(3 * d),
            f"{b}attn.c_proj.weight": g.weight((d, d), d), f"{b}attn.c_proj.bias": g.bias(d),
            f"{b}ln_2.weight": g.gain(d), f"{b}ln_2.bias": g.bias(d),
            f"{b}mlp.c_fc.weight": g.weight((d, 4 * d), d), f"{b}mlp.c_fc.bias": g.bias(4 * d),
            f"{b}mlp.c_proj.weight": g.weight((4 * d, d), 4 * d), f"{b}mlp.c_proj.bias": g.bias(d),
        })
    t[f"{p}ln_f.weight"] = g.gain(d)
    t[f"{p}ln_f.bias"] = g.bias(d)
    config = {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab, "n_positions": ctx,
        "n_ctx": ctx, "n_embd": d, "n_layer": layers, "n_head": heads, "n_inner": None,
        "activation_function": activation, "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True,
        "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "bos_token_id": vocab - 1, "eos_token_id": vocab - 1,
    }
    return config, t


def llama(seed, model_type="llama", d=32, layers=2, heads=4, kv_heads=2, mlp=64, vocab=260, ctx=64,
          rope_theta=10000.0, rope_scaling=None, tie=False, qkv_bias=False, eps=1e-5):
    g = Draw(seed)
    hd = d // heads
    t = {"model.embed_tokens.weight": g.normal((vocab, d))}
    for l in range(layers):
        b = f"model.layers.{l}."
        t[f"{b}input_layernorm.weight"] = g.gain(d)
        t[f"{b}self_attn.q_proj.weight"] = g.weight((heads * hd, d), d)
        t[f"{b}self_attn.k_proj.weight"] = g.weight((kv_heads * hd, d), d)
        t[f"{b}self_attn.v_proj.weight"] = g.weight((kv_heads * hd, d), d)
        if qkv_bias:
            t[f"{b}self_attn.q_proj.bias"] = g.bias(heads * hd)
            t[f"{b}self_attn.k_proj.bias"] = g.bias(kv_heads * hd)
            t[f"{b}self_attn.v_proj.bias"] = g.bias(kv_heads * hd)
        t[f"{b}self_attn.o_proj.weight"] = g.weight((d, heads * hd), heads * hd)
        t[f"{b}post_attention_layernorm.weight"] = g.gain(d)
        t[f"{b}mlp.gate_proj.weight"] = g.weight((mlp, d), d)
        t[f"{b}mlp.up_proj.weight"] = g.weight((mlp, d), d)
        t[f"{b}mlp.down_proj.weight"] = g.weight((d, mlp), mlp)
    t["model.norm.weight"] = g.gain(d)
    if not tie:
        t["lm_head.weight"] = g.weight((vocab, d), d)
    arch = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}[model_type]
    config = {
        "model_type": model_type, "architectures": [arch], "vocab_size": vocab, "hidden_size": d,
        "intermediate_size": mlp, "num_hidden_layers": layers, "num_attention_heads": heads,
        "num_key_value_heads": kv_heads, "hidden_act": "silu", "max_position_embeddings": ctx,
        "rms_norm_eps": eps, "rope_theta": rope_theta, "rope_scaling": rope_scaling, "tie_word_embeddings": tie,
        "bos_token_id": vocab - 1, "eos_token_id": vocab - 1,
    }
    if model_type == "llama":
        config.update({"attention_bias": qkv_bias, "mlp_bias": False})
    if model_type == "qwen2":
        config.update({"use_sliding_window": False, "sliding_window": ctx, "max_window_layers": layers})
    return config, t


def gpt_neox(seed, d=32, layers=2, heads=2, vocab=260, ctx=64, rotary_pct=0.25, parallel=True):
    g = Draw(seed)
    t = {"gpt_neox.embed_in.weight": g.normal((vocab, d))}
    for l in range(layers):
        b = f"gpt_neox.layers.{l}."
        t.update({
            f"{b}input_layernorm.weight": g.gain(d), f"{b}input_layernorm.bias": g.bias(d),
            f"{b}post_attention_layernorm.weight": g.gain(d), f"{b}post_attention_layernorm.bias": g.bias(d),
            f"{b}attention.query_key_value.weight": g.weight((3 * d, d), d),
            f"{b}attention.query_key_value.bias": g.bias(3 * d),
            f"{b}attention.dense.weight": g.weight((d, d), d), f"{b}attention.dense.bias": g.bias(d),
            f"{b}mlp.dense_h_to_4h.weight": g.weight((4 * d, d), d), f"{b}mlp.dense_h_to_4h.bias": g.bias(4 * d),
            f"{b}mlp.dense_4h_to_h.weight": g.weight((d, 4 * d), 4 * d), f"{b}mlp.dense_4h_to_h.bias": g.bias(d),
        })
    t["gpt_neox.final_layer_norm.weight"] = g.gain(d)
    t["gpt_neox.final_layer_norm.bias"] = g.bias(d)
    t["embed_out.weight"] = g.weight((vocab, d), d)
    config = {
        "model_type": "gpt_neox", "architectures": ["GPTNeoXForCausalLM"], "vocab_size": vocab, "hidden_size": d,
        "intermediate_size": 4 * d, "num_hidden_layers": layers, "num_attention_heads": heads,
        "rotary_pct": rotary_pct, "rotary_emb_base": 10000, "max_position_embeddings": ctx, "layer_norm_eps": 1e-5,
        "use_parallel_residual": parallel, "hidden_act": "gelu", "tie_word_embeddings": False,
        "attention_bias": True, "bos_token_id": vocab - 1, "eos_token_id": vocab - 1,
    }
    return config, t


LLAMA3_ROPE = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
               "original_max_position_embeddings": 256}

# The fixture cases: (name, builder, dtype, shards, references that run it). Seeds differ per case so no two share
# weights. llama3's original_max_position_embeddings 256 with head size 8 and theta 500000 puts its four rotary
# frequencies in all three of Llama 3's bands (wavelengths 6.3 < 64 kept, 167 smoothed, 4440 and 118000 divided).
CASES = [
    ("gpt2", lambda: gpt2(1), "F32", 1, ["nanogpt"]),
    ("gpt2-f16-sharded", lambda: gpt2(2, prefix=""), "F16", 2, ["nanogpt"]),
    ("llama", lambda: llama(3), "F32", 1, ["llama2c", "litgpt"]),
    ("llama-bf16-sharded", lambda: llama(4), "BF16", 3, ["llama2c"]),
    ("llama3-rope-tied", lambda: llama(5, rope_theta=500000.0, rope_scaling=LLAMA3_ROPE, tie=True, eps=1e-6),
     "F32", 1, ["litgpt"]),
    ("qwen2", lambda: llama(6, model_type="qwen2", rope_theta=1000000.0, qkv_bias=True, tie=True, eps=1e-6),
     "F32", 1, ["litgpt"]),
    ("gpt-neox-parallel", lambda: gpt_neox(7, parallel=True), "F32", 1, ["litgpt"]),
    ("gpt-neox-sequential", lambda: gpt_neox(8, parallel=False), "F32", 1, ["litgpt"]),
]


def build(case_name):
    for name, make, dtype, shards, refs in CASES:
        if name == case_name:
            config, tensors = make()
            # Round once here so the folder holds exactly these values whatever its dtype.
            return config, {k: round_to_dtype(v, dtype) for k, v in tensors.items()}, dtype, shards, refs
    raise ValueError(f"unknown case {case_name}; cases: {[c[0] for c in CASES]}")
