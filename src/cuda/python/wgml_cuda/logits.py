"""`python -m wgml_cuda logits MODEL ADAPTER --ids 5,17,42 [--nf4]`: the PyTorch side of a logits
comparison with wgml. The base loads as train.py loads it (bitsandbytes nf4 with bf16 compute), or,
without --nf4, unquantized in f32, which is what wgml computes over bf16 weights, so the two agree to
rounding; PEFT puts the adapter on top; one forward pass over the ids; the logits [T × V] go to
stdout as one JSON list. GPU 0 where there is one, else the CPU (nf4 needs the GPU)."""
import json

from .args import NF4
from .deps import require, require_cuda
from .errors import WorkerError
from .train import base_load_kwargs


def parse_ids(text: str) -> list:
    try:
        ids = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise WorkerError(f"--ids {text!r}: expected token ids separated by commas, like 5,17,42") from None
    if not ids or min(ids) < 0:
        raise WorkerError(f"--ids {text!r}: expected at least one token id, each >= 0")
    return ids


def run_logits(model_dir: str, adapter: str, ids: list, nf4: bool) -> list:
    require("torch", "transformers", "peft", "safetensors", *(["bitsandbytes"] if nf4 else []))
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    if nf4:
        require_cuda()
    device = 0 if torch.cuda.is_available() else "cpu"
    base = AutoModelForCausalLM.from_pretrained(model_dir, **base_load_kwargs(NF4 if nf4 else None, torch.bfloat16 if nf4 else torch.float32, device))
    model = PeftModel.from_pretrained(base, adapter).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids], device=base.device)).logits[0]
    return logits.float().flatten().tolist()


def main(model_dir: str, adapter: str, ids_text: str, nf4: bool) -> None:
    print(json.dumps(run_logits(model_dir, adapter, parse_ids(ids_text), nf4)))
