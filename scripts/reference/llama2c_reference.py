"""The Llama layout through karpathy/llama2.c's run.c (https://github.com/karpathy/llama2.c), compiled with cc.

The HF folder is written as run.c's legacy .bin (export.py's legacy_export order: header dim, hidden_dim, n_layers,
n_heads, n_kv_heads, ±vocab_size (negative: untied classifier), seq_len; then embeddings, attention rmsnorms, wq,
wk, wv, wo, ffn rmsnorms, w1 (gate), w2 (down), w3 (up), final rmsnorm, two unused RoPE tables, the classifier when
untied). run.c rotates interleaved pairs (2i, 2i+1) where HF rotates halves (i, i + dHead/2), so q_proj and k_proj
rows are permuted per head as export.py's permute_reverse does (for k with n_kv_heads heads).

run.c is not modified: the harness copies it outside the project and inserts one `reference_dump(...)` call at each
point listed in DUMPS (an anchor line of run.c's forward(), each found exactly once, else it stops), then compiles
the copy with a small main that calls build_transformer and forward(token, pos) for each position. Every hook is a
buffer of run.c's forward at that point (none derived): resid_pre = x at the top of the layer, attn.hook_z = s->xb
before the wo matmul (heads side by side), hook_attn_out = s->xb2, hook_resid_mid = x after the attention residual,
ln2.hook_normalized = s->xb after the ffn rmsnorm, mlp.hook_pre = s->hb (w1·x, the gate), mlp.hook_pre_linear =
s->hb2 (w3·x, the up projection), mlp.hook_post = s->hb after SwiGLU, hook_mlp_out = s->xb after the w2 matmul,
hook_resid_post = x after the ffn residual. run.c fixes rope_theta 10000 and rms eps 1e-5 and has no biases: other
configs are refused."""

import os
import shutil
import struct
import subprocess
import tempfile

import numpy as np

# (anchor line in run.c, what to insert before it)
DUMPS = [
    ("        // attention rmsnorm\n", 'reference_dump(l, "hook_resid_pre", x, dim);'),
    ("        // final matmul to get the output of the attention\n", 'reference_dump(l, "attn.hook_z", s->xb, dim);'),
    ("        // residual connection back into x\n", 'reference_dump(l, "hook_attn_out", s->xb2, dim);'),
    ("        // ffn rmsnorm\n", 'reference_dump(l, "hook_resid_mid", x, dim);'),
    ("        // Now for FFN in PyTorch we have: self.w2(F.silu(self.w1(x)) * self.w3(x))\n",
     'reference_dump(l, "ln2.hook_normalized", s->xb, dim);'),
    ("        // SwiGLU non-linearity\n",
     'reference_dump(l, "mlp.hook_pre", s->hb, hidden_dim); reference_dump(l, "mlp.hook_pre_linear", s->hb2, hidden_dim);'),
    ("        // final matmul to get the output of the ffn\n", 'reference_dump(l, "mlp.hook_post", s->hb, hidden_dim);'),
    ("        // residual connection\n        for (int i = 0; i < dim; i++) {\n            x[i] += s->xb[i];\n",
     'reference_dump(l, "hook_mlp_out", s->xb, dim);'),
    ("    // final rmsnorm\n    rmsnorm(x, x, w->rms_final_weight, dim);\n", 'reference_dump(p->n_layers - 1, "hook_resid_post", x, dim);'),
]
# hook_resid_post of layer l < last is x at the top of layer l + 1: the dump before "// attention rmsnorm" also
# writes it (see HARNESS), so every hook is a value run.c holds.

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char* reference_out_dir;
static void reference_dump(unsigned long long layer, const char* kind, const float* v, int n) {
    char path[4096];
    for (int twice = 0; twice < 2; twice++) {
        /* x at the top of layer l is hook_resid_pre of l and hook_resid_post of l - 1 */
        if (twice == 1 && !(layer > 0 && !strcmp(kind, "hook_resid_pre"))) break;
        snprintf(path, sizeof path, "%s/blocks.%llu.%s.f32", reference_out_dir, twice ? layer - 1 : layer,
                 twice ? "hook_resid_post" : kind);
        FILE* f = fopen(path, "ab");
        if (!f || fwrite(v, sizeof(float), n, f) != (size_t)n) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
        fclose(f);
    }
}
#define main llama2c_main
#include "run_dumping.c"
#undef main
int main(int argc, char** argv) {
    if (argc < 4) { fprintf(stderr, "usage: harness model.bin out_dir id...\n"); return 2; }
    reference_out_dir = argv[2];
    Transformer t;
    build_transformer(&t, argv[1]);
    char path[4096];
    snprintf(path, sizeof path, "%s/logits.f32", argv[2]);
    FILE* f = fopen(path, "wb");
    for (int pos = 0; pos < argc - 3; pos++) {
        float* logits = forward(&t, atoi(argv[3 + pos]), pos);
        fwrite(logits, sizeof(float), t.config.vocab_size, f);
    }
    fclose(f);
    free_transformer(&t);
    return 0;
}
"""


def interleave_rows(w, n_heads):
    """HF's rotate_half row order → run.c's interleaved pairs, per head (export.py's permute_reverse)."""
    out, d_in = w.shape
    return w.reshape(n_heads, 2, out // n_heads // 2, d_in).transpose(0, 2, 1, 3).reshape(out, d_in)


def write_bin(path, c, t, seq_len):
    d, L, H = c["hidden_size"], c["num_hidden_layers"], c["num_attention_heads"]
    kv = c.get("num_key_value_heads", H)
    tied = c.get("tie_word_embeddings", False)
    hd = d // H
    layer = lambda l, n: t[f"model.layers.{l}.{n}"]  # noqa: E731
    parts = [t["model.embed_tokens.weight"]]
    parts += [layer(l, "input_layernorm.weight") for l in range(L)]
    parts += [interleave_rows(layer(l, "self_attn.q_proj.weight"), H) for l in range(L)]
    parts += [interleave_rows(layer(l, "self_attn.k_proj.weight"), kv) for l in range(L)]
    parts += [layer(l, "self_attn.v_proj.weight") for l in range(L)]
    parts += [layer(l, "self_attn.o_proj.weight") for l in range(L)]
    parts += [layer(l, "post_attention_layernorm.weight") for l in range(L)]
    parts += [layer(l, "mlp.gate_proj.weight") for l in range(L)]
    parts += [layer(l, "mlp.down_proj.weight") for l in range(L)]
    parts += [layer(l, "mlp.up_proj.weight") for l in range(L)]
    parts += [t["model.norm.weight"], np.zeros(seq_len * hd, np.float32)]  # the unused freq_cis_real/imag
    if not tied:
        parts.append(t["lm_head.weight"])
    with open(path, "wb") as f:
        vocab = c["vocab_size"] * (1 if tied else -1)
        f.write(struct.pack("7i", d, c["intermediate_size"], L, H, kv, vocab, seq_len))
        for p in parts:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())


def patched_source(run_c):
    src = open(run_c).read()
    for anchor, call in DUMPS:
        if src.count(anchor) != 1:
            raise RuntimeError(f"run.c anchor {anchor!r} found {src.count(anchor)} times; is this the pinned commit?")
        indent = anchor[: len(anchor) - len(anchor.lstrip())]
        src = src.replace(anchor, f"{indent}{call}\n{anchor}")
    return src


def run(c, t, ids, ref_dir):
    if c["model_type"] not in ("llama", "mistral"):
        raise ValueError(f"model_type {c['model_type']}: run.c runs the llama layout")
    if c.get("rope_theta", 10000.0) != 10000.0 or c.get("rope_scaling"):
        raise ValueError("run.c has rope_theta 10000 and no rope_scaling")
    if c.get("rms_norm_eps") != 1e-5 or c.get("attention_bias") or any(k.endswith(".bias") for k in t):
        raise ValueError("run.c has rms eps 1e-5 and no biases")
    work = tempfile.mkdtemp(prefix="llama2c-")
    try:
        with open(os.path.join(work, "run_dumping.c"), "w") as f:
            f.write(patched_source(os.path.join(ref_dir, "run.c")))
        with open(os.path.join(work, "harness.c"), "w") as f:
            f.write(HARNESS)
        exe = os.path.join(work, "harness")
        # -O2 without -ffast-math: float32 arithmetic as written (run.c's Makefile `run` target uses -O3).
        subprocess.run(["cc", "-O2", "-o", exe, os.path.join(work, "harness.c"), "-lm"], check=True)
        write_bin(os.path.join(work, "model.bin"), c, t, len(ids))
        out = os.path.join(work, "out")
        os.makedirs(out)
        subprocess.run([exe, os.path.join(work, "model.bin"), out, *map(str, ids)], check=True)
        seq = len(ids)
        hooks = {}
        kinds = ["hook_resid_pre", "attn.hook_z", "hook_attn_out", "hook_resid_mid", "ln2.hook_normalized",
                 "mlp.hook_pre", "mlp.hook_pre_linear", "mlp.hook_post", "hook_mlp_out", "hook_resid_post"]
        for l in range(c["num_hidden_layers"]):
            for k in kinds:
                hooks[f"blocks.{l}.{k}"] = np.fromfile(os.path.join(out, f"blocks.{l}.{k}.f32"), "<f4").reshape(seq, -1)
        logits = np.fromfile(os.path.join(out, "logits.f32"), "<f4").reshape(seq, -1)
        return hooks, logits, {"derived": []}
    finally:
        shutil.rmtree(work, ignore_errors=True)
