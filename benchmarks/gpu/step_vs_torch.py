"""Prints the markdown table of issue 14's step comparison from a GPU check's output folder.

check.mjs's stages `bench qwen0.5b step fp32|bf16` (report.json) against torch_reference.py's
torch-fp32.json / torch-bf16.json, written by check.sh for the same layers and sequence length.

    python3 step_vs_torch.py OUT_DIR
"""
import json
import os
import sys


def read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main() -> int:
    out = sys.argv[1]
    report = read(os.path.join(out, "report.json")) or {}
    stages = report.get("stages", {})
    print("\n## Training step beside PyTorch (issue 14)\n")
    print("| precision | mixdistill tokens/s | PyTorch tokens/s | ratio |")
    print("|---|---|---|---|")
    for precision in ("fp32", "bf16"):
        ours = (stages.get(f"bench qwen0.5b step {precision}") or {}).get("result", {}).get("tokensPerS")
        theirs = (read(os.path.join(out, f"torch-{precision}.json")) or {}).get("tokens_per_s")
        ratio = f"{ours / theirs:.2f}×" if ours and theirs else "n/a"
        cell = lambda v: f"{v:.0f}" if v else "missing"
        print(f"| {precision} | {cell(ours)} | {cell(theirs)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
