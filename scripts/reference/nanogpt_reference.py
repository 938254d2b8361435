"""GPT-2 through karpathy/nanoGPT's model.py (https://github.com/karpathy/nanoGPT), unmodified, loaded by path.

The HF weights map as nanoGPT's own GPT.from_pretrained maps them (Conv1D weights transposed into nn.Linear).
One run-time patch: nanoGPT's MLP uses nn.GELU() (exact erf); a model whose config says gelu_new (GPT-2's tanh
approximation) gets each block's `mlp.gelu` replaced by nn.GELU(approximate='tanh'), which is transformers'
gelu_new formula. nanoGPT fixes LayerNorm eps at 1e-5 and the MLP at 4·n_embd with tied embeddings: other configs are
refused. Every hook is a module's input or output (none derived):
  resid_pre = block input, attn.hook_z = attn.c_proj input, hook_attn_out = attn output,
  hook_resid_mid = ln_2 input, ln2.hook_normalized = ln_2 output, mlp.hook_pre = mlp.c_fc output,
  mlp.hook_post = mlp.c_proj input, hook_mlp_out = mlp output, hook_resid_post = block output.
Logits: nanoGPT returns every position's logits when given targets (the ids themselves; the loss is unused)."""

import os

import torch
import torch.nn as nn

from torch_hooks import HookRecorder, load_module_from_file


def run(folder_config, tensors, ids, ref_dir):
    c = folder_config
    if c.get("layer_norm_epsilon", 1e-5) != 1e-5:
        raise ValueError("nanoGPT's LayerNorm eps is 1e-5; write the model with layer_norm_epsilon 1e-5")
    if c.get("n_inner") not in (None, 4 * c["n_embd"]) or not c.get("tie_word_embeddings", True):
        raise ValueError("nanoGPT has a 4·n_embd MLP and tied embeddings only")
    if c["activation_function"] not in ("gelu", "gelu_new"):
        raise ValueError(f"activation {c['activation_function']}: nanoGPT has gelu (and gelu_new by the patch)")
    nanogpt = load_module_from_file("nanogpt_model", os.path.join(ref_dir, "model.py"))
    cfg = nanogpt.GPTConfig(block_size=c["n_positions"], vocab_size=c["vocab_size"], n_layer=c["n_layer"],
                            n_head=c["n_head"], n_embd=c["n_embd"], dropout=0.0, bias=True)
    model = nanogpt.GPT(cfg)
    model.eval()
    prefix = "transformer." if "transformer.wte.weight" in tensors else ""
    sd = model.state_dict()
    conv1d = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
    loaded = {}
    for k in sd:
        if k.endswith(".attn.bias"):
            loaded[k] = sd[k]  # the causal mask buffer of nanoGPT's non-flash attention, not a weight
            continue
        hf = "wte.weight" if k == "lm_head.weight" else k[len("transformer."):]
        w = torch.from_numpy(tensors[prefix + hf])
        loaded[k] = w.t().contiguous() if k.endswith(conv1d) else w
    model.load_state_dict(loaded, strict=True)
    if c["activation_function"] == "gelu_new":
        for block in model.transformer.h:
            block.mlp.gelu = nn.GELU(approximate="tanh")
    rec = HookRecorder()
    for l, block in enumerate(model.transformer.h):
        b = f"blocks.{l}."
        rec.input(block, b + "hook_resid_pre")
        rec.input(block.attn.c_proj, b + "attn.hook_z")
        rec.output(block.attn, b + "hook_attn_out")
        rec.input(block.ln_2, b + "hook_resid_mid")
        rec.output(block.ln_2, b + "ln2.hook_normalized")
        rec.output(block.mlp.c_fc, b + "mlp.hook_pre")
        rec.input(block.mlp.c_proj, b + "mlp.hook_post")
        rec.output(block.mlp, b + "hook_mlp_out")
        rec.output(block, b + "hook_resid_post")
    idx = torch.tensor([ids], dtype=torch.long)
    with torch.no_grad():
        logits, _ = model(idx, targets=idx)
    return rec.values, logits[0].numpy(), {"derived": []}
