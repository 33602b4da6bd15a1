"""The generate step's pre-tokenized prompts: one JSONL row per item, {"index", "record",
"prompt_token_ids", "seeds"}: the prompt as wgml's tokenizer and chat template made it, and one seed
per sample (recipes/critique/seeds.ts), so a sample's seed is fixed by (run seed, item, sample) alone.
`record` is copied into the chunk file ahead of "responses". Standard library."""
import json
from typing import List

from .errors import WorkerError


def read_prompts(path: str, n: int) -> List[dict]:
    rows = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as error:
        raise WorkerError(f"{path}: cannot read the prompts ({error.strerror})") from None
    with f:
        for k, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise WorkerError(f"{path}:{k}: not valid JSON ({error.msg})") from None
            if not isinstance(row, dict) or set(row) != {"index", "record", "prompt_token_ids", "seeds"}:
                raise WorkerError(f"{path}:{k}: expected exactly index, record, prompt_token_ids and seeds")
            if not isinstance(row["seeds"], list) or len(row["seeds"]) != n:
                raise WorkerError(f"{path}:{k}: {len(row['seeds']) if isinstance(row['seeds'], list) else 'no'} seeds for sampling.n {n}")
            if not row["prompt_token_ids"] or not all(isinstance(i, int) and i >= 0 for i in row["prompt_token_ids"]):
                raise WorkerError(f"{path}:{k}: prompt_token_ids must be a non-empty list of token ids")
            rows.append(row)
    if not rows:
        raise WorkerError(f"{path}: no prompts")
    return rows
