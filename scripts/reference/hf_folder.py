"""Hugging Face model folders (config.json, tokenizer.json, model.safetensors or sharded
model-0000N-of-0000M.safetensors + model.safetensors.index.json) read and written with numpy only, and the
reference outputs (one float32 .npy per hook + manifest.json) the agreement test compares against.

safetensors: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} padded with
spaces to a multiple of 8, then the raw little-endian tensor bytes. F16 and BF16 are widened to float32 on read
exactly (BF16 is the top half of a float32)."""

import json
import os
import struct

import numpy as np

SUPPORTED_DTYPES = ("F32", "F16", "BF16")


def f32_to_bf16_bits(a):
    """Round float32 to bfloat16 (nearest, ties to even), as torch's .to(torch.bfloat16) does; uint16 bits."""
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def bf16_bits_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def round_to_dtype(a, dtype):
    """The float32 values a tensor has after a round trip through `dtype`."""
    if dtype == "F32":
        return a.astype(np.float32)
    if dtype == "F16":
        return a.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        return bf16_bits_to_f32(f32_to_bf16_bits(a))
    raise ValueError(f"dtype {dtype}: use one of {SUPPORTED_DTYPES}")


def _encode(a, dtype):
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes()
    if dtype == "BF16":
        return f32_to_bf16_bits(a).astype("<u2").tobytes()
    raise ValueError(f"dtype {dtype}: use one of {SUPPORTED_DTYPES}")


def write_safetensors(path, tensors, dtype):
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, a in tensors.items():
        blob = _encode(a, dtype)
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return offset


def read_safetensors(path):
    """Every tensor of one file as float32 numpy arrays."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        shape = info["shape"]
        if info["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            a = bf16_bits_to_f32(np.frombuffer(raw, dtype="<u2"))
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}; use one of {SUPPORTED_DTYPES}")
        out[name] = a.astype(np.float32).reshape(shape)
    return out


def byte_level_tokenizer_json(vocab_size):
    """A GPT-2-style byte-level BPE tokenizer.json: the 256 byte symbols, merges of the printable pairs up to
    vocab_size - 1, and <|endoftext|> as the last id. Enough for loaders that need a tokenizer beside the weights."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    byte_to_char = {b: chr(c) for b, c in zip(bs, cs)}
    vocab = {byte_to_char[b]: b for b in range(256)}
    merges = []
    letters = "etaoinshrdlu"
    for a in letters:
        for b in letters:
            if len(vocab) >= vocab_size - 1:
                break
            merges.append(f"{a} {b}")
            vocab[a + b] = len(vocab)
    eot = len(vocab)
    assert eot < vocab_size, f"vocab_size {vocab_size} leaves no room for the 256 byte symbols and <|endoftext|>"
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }


def write_folder(folder, config, tensors, dtype="F32", shards=1):
    """Write a model folder in the layout transformers' save_pretrained writes. With shards > 1 the tensors are cut
    in that many files in order, with model.safetensors.index.json mapping each tensor to its file."""
    os.makedirs(folder, exist_ok=True)
    config = dict(config, torch_dtype={"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype])
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(byte_level_tokenizer_json(config["vocab_size"]), f, ensure_ascii=False)
    names = list(tensors)
    if shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)
        return
    weight_map = {}
    total = 0
    per = -(-len(names) // shards)
    for i in range(shards):
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[i * per:(i + 1) * per]}
        total += write_safetensors(os.path.join(folder, file), part, dtype)
        weight_map.update({n: file for n in part})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


def read_folder(folder):
    """(config, {name: float32 array}) of a model folder, single-file or sharded."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors = {}
    for file in files:
        tensors.update(read_safetensors(os.path.join(folder, file)))
    return config, tensors


def save_outputs(out_dir, manifest, hooks, logits):
    """The reference's outputs: one [seq, width] float32 .npy per hook, logits.npy [seq, vocab], manifest.json."""
    os.makedirs(out_dir, exist_ok=True)
    for name, a in hooks.items():
        np.save(os.path.join(out_dir, f"{name}.npy"), np.ascontiguousarray(a, dtype=np.float32))
    np.save(os.path.join(out_dir, "logits.npy"), np.ascontiguousarray(logits, dtype=np.float32))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(dict(manifest, hooks=list(hooks)), f, indent=2)
        f.write("\n")
