"""metrics.jsonl in wgml's format (src/train/metrics.ts): one row per optimizer step with step, loss,
lr, gradNorm, tokensPerS, gpuMemoryBytes, evalLoss when evaluated, and time; the progress line of
wgml's trainer. On resume, rows past the resumed step (and a torn last row) are dropped, so no step is
logged twice. Standard library."""
import json
import math
import os
from datetime import datetime, timezone
from typing import Optional

from .atomic import write_atomic
from .jsnum import js_stringify


def iso_now() -> str:
    """JavaScript's Date.toISOString: milliseconds and Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def keep_rows_through(path: str, step: int) -> None:
    if not os.path.exists(path):
        return
    kept = []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and isinstance(row.get("step"), (int, float)) and row["step"] <= step:
                kept.append(line + "\n")
    write_atomic(path, "".join(kept).encode())


class MetricsWriter:
    def __init__(self, run_dir: str, resume_from: Optional[int] = None) -> None:
        os.makedirs(run_dir, exist_ok=True)
        self.path = os.path.join(run_dir, "metrics.jsonl")
        if resume_from is not None:
            keep_rows_through(self.path, resume_from)

    def log(self, step: int, loss: float, lr: float, grad_norm: float, tokens_per_s: float, gpu_memory_bytes: int, eval_loss: Optional[float] = None) -> dict:
        row = {"step": step, "loss": loss, "lr": lr, "gradNorm": grad_norm, "tokensPerS": tokens_per_s, "gpuMemoryBytes": gpu_memory_bytes}
        if eval_loss is not None:
            row["evalLoss"] = eval_loss
        row["time"] = iso_now()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(js_stringify(row) + "\n")
        return row


def duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


def js_exponential(x: float) -> str:
    """Number.prototype.toExponential(2): 2.00e-4, not Python's 2.00e-04."""
    mantissa, exp = f"{x:.2e}".split("e")
    return f"{mantissa}e{int(exp):+d}"


def progress_line(row: dict, total: int, elapsed: float, done: int) -> str:
    eta = elapsed / done * (total - row["step"]) if done > 0 else math.inf
    ev = f" · eval {row['evalLoss']:.4f}" if "evalLoss" in row else ""
    return f"step {row['step']}/{total} · loss {row['loss']:.4f}{ev} · lr {js_exponential(row['lr'])} · {row['tokensPerS']:.0f} tok/s · ETA {duration(eta)}"
