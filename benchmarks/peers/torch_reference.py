"""The benchmark workloads in PyTorch, as the peer for `pnpm bench`.

A Llama/Qwen2 decoder (RMSNorm, RoPE half-split, GQA causal attention, SwiGLU MLP, tied or untied
LM head) written out in plain torch, so no transformers install is needed; trained with
cross_entropy + torch.optim.AdamW and decoded greedily with a KV cache, on the shapes of
packages/cli/src/bench/configs.ts. Prints one JSON object per line.

Run with OMP_WAIT_POLICY=PASSIVE (its fastest setting on the 2-core reference machine).
Usage: python3 torch_reference.py --threads 2 matmul M N K TRANSPOSE_B | train CONFIG | decode CONFIG

On a GPU (the peer of the cuda backend, benchmarks/gpu/check.sh): --device cuda, --precision
fp32|tf32|bf16 (bf16: autocast, the matrix products in bfloat16 with float32 weights and AdamW
state, as `--precision bf16`), and --layers / --seq to match mixdistill's timed step.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F

CONFIGS = {
    "tiny": dict(vocab=2048, hidden=256, inter=704, layers=4, heads=4, kv=2, theta=1e4, eps=1e-5, tied=False, batch=4, seq=128),
    "qwen0.5b-4l": dict(vocab=151936, hidden=896, inter=4864, layers=4, heads=14, kv=2, theta=1e6, eps=1e-6, tied=True, batch=1, seq=512),
    "qwen0.5b": dict(vocab=151936, hidden=896, inter=4864, layers=24, heads=14, kv=2, theta=1e6, eps=1e-6, tied=True, batch=1, seq=512),
}

# Training steps run untimed for at least this long (and 2 steps) first, as mixdistill's
# measureTrain (TRAIN_WARMUP_MS in benchmarks/src/measure.ts).
TRAIN_WARMUP_S = 2.0


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Model(torch.nn.Module):
    def __init__(self, c, device="cpu"):
        super().__init__()
        self.c = c
        h, d = c["hidden"], c["hidden"] // c["heads"]
        self.d = d
        p = lambda *shape: torch.nn.Parameter(torch.randn(*shape, device=device) * 0.02)
        self.embed = p(c["vocab"], h)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["layers"]):
            layer = torch.nn.Module()
            layer.ln1, layer.ln2 = (torch.nn.Parameter(torch.ones(h, device=device)) for _ in range(2))
            layer.q, layer.k, layer.v = p(h, h), p(c["kv"] * d, h), p(c["kv"] * d, h)
            layer.o = p(h, h)
            layer.gate, layer.up, layer.down = p(c["inter"], h), p(c["inter"], h), p(h, c["inter"])
            self.layers.append(layer)
        self.norm = torch.nn.Parameter(torch.ones(h, device=device))
        self.lm_head = None if c["tied"] else p(c["vocab"], h)
        self.inv_freq = 1.0 / (c["theta"] ** (torch.arange(0, d, 2, device=device).float() / d))

    def forward(self, ids, cache=None, start=0):
        c, d = self.c, self.d
        b, s = ids.shape
        x = F.embedding(ids, self.embed)
        pos = torch.arange(start, start + s, device=ids.device).float()
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        group = c["heads"] // c["kv"]
        for i, L in enumerate(self.layers):
            hN = rms_norm(x, L.ln1, c["eps"])
            q = F.linear(hN, L.q).view(b, s, c["heads"], d).transpose(1, 2)
            k = F.linear(hN, L.k).view(b, s, c["kv"], d).transpose(1, 2)
            v = F.linear(hN, L.v).view(b, s, c["kv"], d).transpose(1, 2)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            if cache is not None:
                if i in cache:
                    k, v = torch.cat((cache[i][0], k), 2), torch.cat((cache[i][1], v), 2)
                cache[i] = (k, v)
            t = k.shape[2]
            k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
            scores = q @ k.transpose(-1, -2) / math.sqrt(d)
            if s > 1:
                mask = torch.ones(s, t, dtype=torch.bool, device=ids.device).tril(t - s)
                scores = scores.masked_fill(~mask, float("-inf"))
            att = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, -1)
            x = x + F.linear(att, L.o)
            hN = rms_norm(x, L.ln2, c["eps"])
            x = x + F.linear(F.silu(F.linear(hN, L.gate)) * F.linear(hN, L.up), L.down)
        x = rms_norm(x, self.norm, c["eps"])
        return F.linear(x, self.embed if self.lm_head is None else self.lm_head)


def sync(device):
    """Waits for the queued GPU work, so a timer stops when the work is done (no-op on the CPU)."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def best_ms(fn, repeats, warmup=1, device="cpu", warmup_s=0.0):
    """Best of `repeats` timed calls after `warmup` calls that last at least warmup_s in all."""
    start, done = time.perf_counter(), 0
    while done < warmup or time.perf_counter() - start < warmup_s:
        fn()
        done += 1
    sync(device)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def train(name, steps, device="cpu", precision="fp32", layers=None, seq=None):
    c = dict(CONFIGS[name], **{k: v for k, v in (("layers", layers), ("seq", seq)) if v})
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    model = Model(c, device)
    # fused AdamW where this torch has it on this device (one kernel per step, like MdAdamW)
    fused = {"fused": True} if device.startswith("cuda") else {}
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01, **fused)
    n = c["batch"] * c["seq"]
    ids = (torch.arange(n, device=device) * 7919 + 13).remainder(c["vocab"]).view(c["batch"], c["seq"])

    def step():
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].float().reshape(-1, c["vocab"]), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    ms = best_ms(step, steps, warmup=2, device=device, warmup_s=TRAIN_WARMUP_S)
    out = {"config": name, "layers": c["layers"], "seq": c["seq"], "device": device, "precision": precision,
           "stepMs": ms, "tokens_per_s": n / (ms / 1000), "peak_rss_mb": peak_rss_mb()}
    if device.startswith("cuda"):
        out["gpu"] = torch.cuda.get_device_name()
        out["peak_device_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


@torch.no_grad()
def decode(name, prompt, new_tokens, repeats=3):
    """Greedy decoding with a KV cache, as mixdistill's measureDecode: one untimed warm-up run,
    then the best of `repeats` timed runs (tokens/s after the first token, prefill time)."""
    c = CONFIGS[name]
    torch.manual_seed(0)
    model = Model(c)
    ids = (torch.arange(prompt) * 7919 + 13).remainder(c["vocab"]).view(1, prompt)

    def run():
        cache = {}
        t_prefill = time.perf_counter()
        token = model(ids, cache).argmax(-1)[:, -1:]
        t0 = time.perf_counter()
        for i in range(new_tokens - 1):
            token = model(token, cache, start=prompt + i).argmax(-1)[:, -1:]
        return (new_tokens - 1) / (time.perf_counter() - t0), (t0 - t_prefill) * 1000

    run()
    runs = [run() for _ in range(repeats)]
    return {"config": name, "tokens_per_s": max(r[0] for r in runs),
            "time_to_first_token_ms": min(r[1] for r in runs), "peak_rss_mb": peak_rss_mb()}


def matmul(m, n, k, transpose_b):
    a = torch.rand(m, k) * 2 - 1
    b = torch.rand(n, k) * 2 - 1 if transpose_b else torch.rand(k, n) * 2 - 1
    fn = (lambda: a @ b.t()) if transpose_b else (lambda: a @ b)
    end = time.perf_counter() + 0.2  # warm-up for 0.2 s, then the best of 5, as measureMatmul
    while True:
        fn()
        if time.perf_counter() >= end:
            break
    ms = best_ms(fn, 5, warmup=0)
    return {"m": m, "n": n, "k": k, "transposeB": transpose_b, "ms": ms, "gflops": 2 * m * n * k / (ms * 1e6)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="train: cpu or cuda")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32", help="train: matrix products")
    ap.add_argument("--layers", type=int, help="train: decoder layers (default: the config's)")
    ap.add_argument("--seq", type=int, help="train: tokens per sequence (default: the config's)")
    ap.add_argument("workload", choices=["matmul", "train", "decode"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.workload == "matmul":
        m, n, k, tb = a.args
        out = matmul(int(m), int(n), int(k), tb == "1")
    elif a.workload == "train":
        out = train(a.args[0], a.steps, a.device, a.precision, a.layers, a.seq)
    else:
        out = decode(a.args[0], int(a.args[1]) if len(a.args) > 1 else 32, int(a.args[2]) if len(a.args) > 2 else 32)
    out["torch"] = torch.__version__
    out["threads"] = a.threads
    print(json.dumps(out))


if __name__ == "__main__":
    main()
