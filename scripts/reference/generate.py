"""Regenerate the reference-agreement fixtures: each case's random model folder and each reference's outputs.

  /usr/bin/python3 scripts/reference/generate.py --refs /work/refs --out worker/test-fixtures/reference

--refs holds the references' sources at the pinned commits (PINNED), one folder each: karpathy+nanoGPT,
karpathy+llama2.c, Lightning-AI+litgpt (e.g. `git --git-dir=<clone>/.git archive <commit> | tar -x -C <folder>`).
Writes <out>/<case>/model/ (config.json, tokenizer.json, safetensors) and <out>/<case>/<reference>/ (manifest.json,
logits.npy and one .npy per hook, float32 [seq, width])."""

import argparse
import os
import shutil
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import random_models  # noqa: E402
from hf_folder import read_folder, save_outputs, write_folder  # noqa: E402

PINNED = {
    "nanogpt": ("karpathy/nanoGPT", "3adf61e154c3fe3fca428ad6bc3818b27a3b8291", "karpathy+nanoGPT", "model.py"),
    "llama2c": ("karpathy/llama2.c", "350e04fe35433e6d2941dce5a1f53308f87058eb", "karpathy+llama2.c", "run.c"),
    "litgpt": ("Lightning-AI/litgpt", "26857050fe3ff627cd714fe92f5838f51a3d5efa", "Lightning-AI+litgpt",
               "litgpt/model.py"),
}
SEQ = 16


def reference_run(name):
    if name == "nanogpt":
        from nanogpt_reference import run
    elif name == "llama2c":
        from llama2c_reference import run
    elif name == "litgpt":
        from litgpt_reference import run
    else:
        raise ValueError(name)
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refs", required=True, help="folder with one subfolder per reference source")
    ap.add_argument("--out", required=True)
    ap.add_argument("--cases", nargs="*", help="only these cases (default: all)")
    args = ap.parse_args()
    for case, _make, _dtype, _shards, refs in random_models.CASES:
        if args.cases and case not in args.cases:
            continue
        config, tensors, dtype, shards, refs = random_models.build(case)
        case_dir = os.path.join(args.out, case)
        shutil.rmtree(case_dir, ignore_errors=True)
        write_folder(os.path.join(case_dir, "model"), config, tensors, dtype, shards)
        # The references read the folder back, as the project does: what they run is what was written.
        folder_config, folder_tensors = read_folder(os.path.join(case_dir, "model"))
        # The ids: seeded by the case's name, every id of the vocabulary possible.
        ids = np.random.default_rng(zlib.crc32(case.encode())).integers(0, config["vocab_size"], SEQ).tolist()
        for ref in refs:
            repo, commit, sub, entry = PINNED[ref]
            hooks, logits, extra = reference_run(ref)(folder_config, folder_tensors, ids, os.path.join(args.refs, sub))
            manifest = {
                "case": case, "modelType": config["model_type"], "dtype": dtype, "shards": shards,
                "reference": ref, "referenceSource": f"https://github.com/{repo}/blob/{commit}/{entry}",
                "ids": ids, **extra,
            }
            save_outputs(os.path.join(case_dir, ref), manifest, hooks, logits)
            print(f"{case}: {ref} wrote {len(hooks)} hooks and logits {list(logits.shape)}")


if __name__ == "__main__":
    main()
