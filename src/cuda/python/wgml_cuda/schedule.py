"""Learning-rate factor with linear warmup, as src/train/schedule.ts (and transformers'
get_{constant,linear,cosine}_schedule_with_warmup): the rate an optimizer step uses. Standard library."""
import math


def lr_factor(kind: str, warmup: int, step: int, total: int) -> float:
    """Multiplier of the peak rate at optimizer step `step` (0-based, the step being taken)."""
    if step < warmup:
        return step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    if kind == "constant":
        return 1.0
    if kind == "linear":
        return max(0.0, 1 - progress)
    return max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))
