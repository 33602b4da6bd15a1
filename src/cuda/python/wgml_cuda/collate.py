"""Right-padded batches as src/train/batches.ts padBatch makes them: pads take pad_token_id in
input_ids and -100 in labels; the attention mask marks real tokens (causal attention never lets a real
token see a later pad, so the loss equals wgml's, which needs no mask). Needs torch."""
from typing import Dict, List, Sequence

import torch

from .data import IGNORE_INDEX, counted_tokens


def pad_batch(examples: Sequence[Dict[str, List[int]]], pad_id: int) -> Dict[str, torch.Tensor]:
    if not examples:
        # A rank with no share of a step runs one masked row so it still joins the all-reduce.
        examples = [{"input_ids": [pad_id], "labels": [IGNORE_INDEX]}]
    T = max(len(e["input_ids"]) for e in examples)
    ids, labels, mask = [], [], []
    for e in examples:
        pad = T - len(e["input_ids"])
        ids.append(e["input_ids"] + [pad_id] * pad)
        labels.append(e["labels"] + [IGNORE_INDEX] * pad)
        mask.append([1] * len(e["input_ids"]) + [0] * pad)
    return {
        "input_ids": torch.tensor(ids, dtype=torch.long),
        "labels": torch.tensor(labels, dtype=torch.long),
        "attention_mask": torch.tensor(mask, dtype=torch.long),
        "counted": sum(counted_tokens(e["labels"]) for e in examples),
    }


def token_loss_sum(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Σ token cross-entropy over counted positions, in f32: logits (B,T,V), labels (B,T) unshifted."""
    shifted = logits[:, :-1, :].float().reshape(-1, logits.shape[-1])
    target = labels[:, 1:].reshape(-1)
    return torch.nn.functional.cross_entropy(shifted, target, ignore_index=IGNORE_INDEX, reduction="sum")
