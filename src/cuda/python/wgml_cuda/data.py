"""Pre-tokenized JSONL: one {"input_ids": [...], "labels": [...]} per line, as the launcher writes it
from wgml's tokenizer and assistant-only labels (labels equal input_ids where trained, -100 elsewhere,
unshifted as HF). Every row is checked, by line, before any model loads. Standard library."""
import json
from typing import Dict, List

from .errors import WorkerError

IGNORE_INDEX = -100


def counted_tokens(labels: List[int]) -> int:
    """Labels that count after HF's shift: position t predicts labels[t+1] (src/train/batches.ts)."""
    return sum(1 for l in labels[1:] if l != IGNORE_INDEX)


def read_examples(path: str) -> List[Dict[str, List[int]]]:
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as error:
        raise WorkerError(f"{path}: cannot read the training data ({error.strerror})") from None
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise WorkerError(f"{path}:{n}: not valid JSON ({error.msg})") from None
            rows.append(check_example(row, f"{path}:{n}"))
    if not rows:
        raise WorkerError(f"{path}: no examples")
    return rows


def check_example(row, where: str) -> Dict[str, List[int]]:
    if not isinstance(row, dict) or set(row) != {"input_ids", "labels"}:
        raise WorkerError(f"{where}: expected exactly the fields input_ids and labels")
    ids, labels = row["input_ids"], row["labels"]
    if not all(isinstance(x, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in x) for x in (ids, labels)):
        raise WorkerError(f"{where}: input_ids and labels must be lists of integers")
    if len(ids) != len(labels) or not ids:
        raise WorkerError(f"{where}: labels ({len(labels)}) and input_ids ({len(ids)}) differ in length or are empty")
    if any(v < 0 for v in ids) or any(l < 0 and l != IGNORE_INDEX for l in labels):
        raise WorkerError(f"{where}: negative token id (only labels may be -100)")
    return {"input_ids": ids, "labels": labels}
