"""Issue 14's anchors on the GPU: transformers' Qwen2ForCausalLM in PyTorch eager, same card.

A random-init Qwen2.5-0.5B (24 layers, hidden 896, 14 heads / 2 KV heads, intermediate 4864,
vocab 151936, tied embeddings), `attn_implementation="sdpa"`:
- train: full fine-tune, bf16 autocast over float32 weights, fused AdamW, packed sequences of
  --seq tokens, micro-batches of --batches rows: tokens/s, peak device memory and MFU
  (6·N·tokens + attention FLOPs over --peak-tflops, the card's measured bf16 ceiling);
- decode: the model in bf16, prompts of --prompt tokens (batch > 1 left-padded), --new-tokens
  greedy tokens with `generate`: time to first token and decode tokens/s per sequence and summed.

Each workload is timed after a warm-up, with the device synchronised; one that fails records its
error and the others still run. Prints one JSON document.

    python3 transformers_gpu.py [--layers 24] [--seq 2048] [--batches 1,4,8] [--decode-batches 1,32]
"""
import argparse
import json
import sys
import time

import torch
import transformers

QWEN05B = dict(
    vocab_size=151936,
    hidden_size=896,
    intermediate_size=4864,
    num_attention_heads=14,
    num_key_value_heads=2,
    max_position_embeddings=32768,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)


def build_model(layers):
    config = transformers.Qwen2Config(num_hidden_layers=layers, rope_theta=1e6, **QWEN05B)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    return model.to("cuda")


def token_ids(rows, length, vocab, salt=0):
    n = torch.arange(rows * length, device="cuda") + salt
    return (n * 7919 + 13).remainder(vocab).view(rows, length)


def timed(fn, repeats, warmup):
    """Mean seconds of `repeats` calls after `warmup` untimed ones, the device synchronised."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def train_flops_per_token(model, seq):
    """6·N per token (forward + backward over every parameter, the tied embedding once) plus the
    attention scores and weighted sum: 12 · layers · hidden · seq per token (causal: half of it)."""
    c = model.config
    n = sum(p.numel() for p in model.parameters())
    return 6 * n + 6 * c.num_hidden_layers * c.hidden_size * seq


def train(model, seq, batch, steps, peak_tflops):
    vocab = model.config.vocab_size
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)
    ids = token_ids(batch, seq, vocab)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    torch.cuda.reset_peak_memory_stats()
    seconds = timed(step, steps, warmup=2)
    tokens_per_s = batch * seq / seconds
    result = {
        "workload": "train",
        "batch": batch,
        "seq": seq,
        "step_s": seconds,
        "tokens_per_s": tokens_per_s,
        "peak_device_gib": torch.cuda.max_memory_allocated() / 2**30,
        "mfu": tokens_per_s * train_flops_per_token(model, seq) / (peak_tflops * 1e12),
    }
    del opt
    return result


@torch.no_grad()
def decode(model, prompt, new_tokens, batch):
    vocab = model.config.vocab_size
    model.eval()
    ids = token_ids(batch, prompt, vocab, salt=1)
    mask = torch.ones_like(ids)
    for row in range(1, batch):  # left padding: row r has r·4 fewer prompt tokens (at most half)
        pad = min(row * 4, prompt // 2)
        ids[row, :pad] = 0
        mask[row, :pad] = 0

    def run(n):
        return model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=n,
            min_new_tokens=n,
            do_sample=False,
            pad_token_id=0,
        )

    first = timed(lambda: run(1), 2, warmup=1)
    whole = timed(lambda: run(new_tokens), 1, warmup=1)
    per_sequence = (new_tokens - 1) / (whole - first)
    return {
        "workload": "decode",
        "batch": batch,
        "prompt": prompt,
        "new_tokens": new_tokens,
        "time_to_first_token_ms": first * 1000,
        "tokens_per_s_per_sequence": per_sequence,
        "tokens_per_s": per_sequence * batch,
        "peak_device_gib": torch.cuda.max_memory_allocated() / 2**30,
    }


def attempt(results, fn, *args):
    try:
        results.append(fn(*args))
    except Exception as e:  # one workload's failure (e.g. out of memory) must not lose the others
        results.append({"workload": fn.__name__, "args": [a for a in args if isinstance(a, (int, float))],
                        "error": f"{type(e).__name__}: {e}"[:500]})
    torch.cuda.empty_cache()
    print(json.dumps(results[-1]), file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--seq", type=int, default=2048, help="train: tokens per packed row")
    ap.add_argument("--batches", default="1,4,8", help="train: micro-batch sizes")
    ap.add_argument("--steps", type=int, default=3, help="train: timed steps per micro-batch size")
    ap.add_argument("--prompt", type=int, default=512)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--decode-batches", default="1,32")
    ap.add_argument("--peak-tflops", type=float, default=790.0, help="the card's measured bf16 ceiling (H200.md)")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": "no CUDA device"}))
        return 3
    model = build_model(a.layers)
    results = []
    for batch in (int(b) for b in a.batches.split(",") if b):
        attempt(results, train, model, a.seq, batch, a.steps, a.peak_tflops)
    model = model.to(torch.bfloat16)
    for batch in (int(b) for b in a.decode_batches.split(",") if b):
        torch.cuda.reset_peak_memory_stats()
        attempt(results, decode, model, a.prompt, a.new_tokens, batch)
    print(json.dumps({
        "gpu": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "layers": a.layers,
        "results": results,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
