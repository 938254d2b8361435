"""The Llama layout (rope_theta, Llama 3 rope_scaling, GQA, tied or untied), Qwen2 (q/k/v biases) and GPT-NeoX /
Pythia (partial rotary, parallel or sequential residual, fused query_key_value) through Lightning-AI/litgpt's
litgpt/model.py (https://github.com/Lightning-AI/litgpt), loaded by path with litgpt/config.py, unmodified.

The HF tensors are mapped by litgpt's own converters (litgpt/scripts/convert_hf_checkpoint.py: copy_weights_hf_llama,
copy_weights_qwen_2_5, copy_weights_gpt_neox with its qkv_reassemble of NeoX's per-head q, k, v rows), so the
layouts are read by code nobody here wrote. The litgpt Config is built from config.json the way litgpt's config hub
writes these families (Llama 3.x: rope_adjustments factor/low_freq_factor/high_freq_factor/original_max_seq_len;
Qwen2.5: attn_bias without other biases; Pythia: LayerNorm, bias, rotary_percentage, parallel_residual).

Shims (ours, beside it, for this machine's torch 1.13 and missing packages):
- the modules those files import but never use here (lightning, safetensors, tqdm, litgpt.utils) are empty stubs;
- torch 1.13 has no F.scaled_dot_product_attention (torch 2.0; the `scale` argument 2.1): SDPA below is the
  documented formula softmax(q·kᵀ·scale + causal mask)·v, in float32, and is the only attention code ours.
Every hook is a module's input or output (none derived): resid_pre = block input, attn.hook_z = attn.proj input,
hook_attn_out = attn output, hook_resid_mid = norm_2 input (sequential residual only), ln2.hook_normalized = norm_2
output, mlp.hook_pre = mlp.fc (NeoX) or mlp.fc_1 (the gate) output, mlp.hook_pre_linear = mlp.fc_2 (the up
projection) output, mlp.hook_post = mlp.proj input, hook_mlp_out = mlp output, hook_resid_post = block output."""

import math
import os
import sys
import types

import torch
import torch.nn.functional as F

from torch_hooks import HookRecorder, load_module_from_file


def _sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    if dropout_p:
        raise ValueError("no dropout in a reference run")
    scale = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale
    t, s = scores.shape[-2:]
    if is_causal:
        scores = scores.masked_fill(torch.ones(t, s, dtype=torch.bool).triu(1), float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else scores + attn_mask
    return torch.softmax(scores, dim=-1) @ v


def _stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def load_litgpt(ref_dir):
    if "litgpt.model" in sys.modules:
        return sys.modules["litgpt.config"], sys.modules["litgpt.model"], sys.modules["litgpt.scripts.convert_hf_checkpoint"]
    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = _sdpa
    for name in ("lightning", "lightning.fabric", "lightning.fabric.utilities", "safetensors"):
        _stub(name)
    _stub("lightning.fabric.utilities.load", _NotYetLoadedTensor=type("_NotYetLoadedTensor", (), {}))
    _stub("safetensors.torch", load_file=None)
    _stub("tqdm", tqdm=type("tqdm", (), {}))
    package = _stub("litgpt", __path__=[os.path.join(ref_dir, "litgpt")])
    _stub("litgpt.scripts", __path__=[os.path.join(ref_dir, "litgpt", "scripts")])
    _stub("litgpt.utils", extend_checkpoint_dir=None, incremental_save=type("incremental_save", (), {}),
          lazy_load=None, save_config=None)
    config = load_module_from_file("litgpt.config", os.path.join(ref_dir, "litgpt", "config.py"))
    package.config = config
    convert = load_module_from_file("litgpt.scripts.convert_hf_checkpoint",
                                    os.path.join(ref_dir, "litgpt", "scripts", "convert_hf_checkpoint.py"))
    model = load_module_from_file("litgpt.model", os.path.join(ref_dir, "litgpt", "model.py"))
    package.model = model
    return config, model, convert


def litgpt_config(Config, c, seq):
    common = dict(name=f"random-{c['model_type']}", block_size=seq, n_layer=c["num_hidden_layers"],
                  n_embd=c["hidden_size"], vocab_size=c["vocab_size"], padded_vocab_size=c["vocab_size"],
                  n_head=c["num_attention_heads"], intermediate_size=c["intermediate_size"])
    if c["model_type"] in ("llama", "mistral", "qwen2"):
        scaling = c.get("rope_scaling")
        adjustments = None
        if scaling:
            if scaling.get("rope_type", scaling.get("type")) != "llama3":
                raise ValueError(f"rope_scaling {scaling}: only llama3 is mapped")
            adjustments = dict(factor=scaling["factor"], low_freq_factor=scaling["low_freq_factor"],
                               high_freq_factor=scaling["high_freq_factor"],
                               original_max_seq_len=scaling["original_max_position_embeddings"])
        return Config(**common, n_query_groups=c.get("num_key_value_heads", c["num_attention_heads"]),
                      norm_class_name="RMSNorm", norm_eps=c["rms_norm_eps"], parallel_residual=False, bias=False,
                      attn_bias=c["model_type"] == "qwen2" or bool(c.get("attention_bias")),
                      mlp_class_name="LLaMAMLP", rotary_percentage=1.0, rope_base=c.get("rope_theta", 10000),
                      rope_adjustments=adjustments)
    if c["model_type"] == "gpt_neox":
        if c.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act {c['hidden_act']}: only gelu is mapped")
        return Config(**common, norm_class_name="LayerNorm", norm_eps=c["layer_norm_eps"], bias=True,
                      parallel_residual=c["use_parallel_residual"], rotary_percentage=c["rotary_pct"],
                      rope_base=c["rotary_emb_base"], mlp_class_name="GptNeoxMLP", gelu_approximate="none")
    raise ValueError(f"model_type {c['model_type']}: litgpt harness maps llama, mistral, qwen2, gpt_neox")


def run(c, t, ids, ref_dir):
    config_module, model_module, convert = load_litgpt(ref_dir)
    config = litgpt_config(config_module.Config, c, len(ids))
    hf = {k: torch.from_numpy(v) for k, v in t.items()}
    sd = {}
    if c["model_type"] == "gpt_neox":
        convert.copy_weights_gpt_neox(config, sd, hf)
    elif c["model_type"] == "qwen2":
        convert.copy_weights_qwen_2_5(config, {}, sd, hf)
    else:
        convert.copy_weights_hf_llama(config, {}, sd, hf)
    model = model_module.GPT(config)
    model.load_state_dict(sd, strict=True)
    model.eval()
    rec = HookRecorder()
    for l, block in enumerate(model.transformer.h):
        b = f"blocks.{l}."
        rec.input(block, b + "hook_resid_pre")
        rec.input(block.attn.proj, b + "attn.hook_z")
        rec.output(block.attn, b + "hook_attn_out")
        if not config.parallel_residual:
            rec.input(block.norm_2, b + "hook_resid_mid")
        rec.output(block.norm_2, b + "ln2.hook_normalized")
        if config.mlp_class_name == "LLaMAMLP":
            rec.output(block.mlp.fc_1, b + "mlp.hook_pre")
            rec.output(block.mlp.fc_2, b + "mlp.hook_pre_linear")
        else:
            rec.output(block.mlp.fc, b + "mlp.hook_pre")
        rec.input(block.mlp.proj, b + "mlp.hook_post")
        rec.output(block.mlp, b + "hook_mlp_out")
        rec.output(block, b + "hook_resid_post")
    with torch.no_grad():
        logits = model(torch.tensor([ids], dtype=torch.long))
    return rec.values, logits[0].numpy(), {"derived": []}
