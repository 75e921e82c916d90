"""Compares mixdistill's logits with transformers' for a checkpoint mixdistill saved.

check.mjs saves a random-init Qwen2.5-0.5B-shaped model (config.json + model.safetensors) with the
logits the cuda backend computed for fixed input ids; this loads the folder with transformers in
float32 (eager attention, TF32 off) and reports the largest absolute logit difference (issue 13
asks for at most 1e-3).

    python3 compare_transformers.py HF_DIR OUT_JSON
"""
import json
import os
import sys

import numpy as np
import torch
import transformers
from transformers import AutoModelForCausalLM


def main() -> int:
    folder, out_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(folder, "mixdistill_input.json")) as f:
        meta = json.load(f)
    ours = np.fromfile(os.path.join(folder, "mixdistill_logits.f32"), dtype=np.float32).reshape(meta["logits_shape"])
    # Exact fp32 products on the reference side too.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    except TypeError:  # transformers 4.x spells it torch_dtype
        model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32, attn_implementation="eager")
    model = model.to(device).eval()
    with torch.no_grad():
        ids = torch.tensor(meta["input_ids"], device=device)
        theirs = model(ids).logits.float().cpu().numpy()
    diff = float(np.abs(theirs - ours).max()) if theirs.shape == ours.shape else float("inf")
    result = {
        "max_abs_diff": diff,
        "ok": diff <= 1e-3,
        "shape": list(theirs.shape),
        "device": device,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
    }
    with open(out_path, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
