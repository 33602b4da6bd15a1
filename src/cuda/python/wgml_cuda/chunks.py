"""Chunk files in the WebGPU path's format (recipes/critique/chunks.ts, generate.ts):
<out>/<model>_chunk_<id>.json = {"meta": {model, chunk_id, chunk_size, question_indices, sampling,
wgml_version}, "records": [{...the prompt row's record, "responses": [...]}]}, written atomically as
JSON.stringify does, so the same content gives the same bytes and `merge` takes chunks from either
backend. A chunk already on disk with the same meta (the wgml version aside) is skipped; one made
with other parameters is an error. Standard library."""
import json
import os
from typing import List

from .atomic import write_atomic
from .errors import WorkerError
from .jsnum import js_stringify


def chunk_path(out_dir: str, model: str, chunk_id: int) -> str:
    return os.path.join(out_dir, f"{model}_chunk_{chunk_id}.json")


def chunk_range(chunk_id: int, chunk_size: int, total: int) -> range:
    return range(chunk_id * chunk_size, min((chunk_id + 1) * chunk_size, total))


def chunk_meta(model: str, chunk_id: int, chunk_size: int, question_indices: List[int], sampling: dict, wgml_version: str) -> dict:
    return {"model": model, "chunk_id": chunk_id, "chunk_size": chunk_size, "question_indices": question_indices, "sampling": sampling, "wgml_version": wgml_version}


def _stable(x) -> str:
    return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def already_done(path: str, meta: dict) -> bool:
    if not os.path.exists(path):
        return False
    try:
        with open(path, encoding="utf-8") as f:
            prior = json.load(f)["meta"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise WorkerError(f"{path}: not a chunk file ({error}); delete it and rerun generate") from None
    if _stable({**prior, "wgml_version": ""}) == _stable({**meta, "wgml_version": ""}):
        return True
    raise WorkerError(f"{path} was made with other parameters ({_stable(prior.get('sampling'))}); delete it or use another --run")


def write_chunk(path: str, meta: dict, records: list) -> None:
    write_atomic(path, (js_stringify({"meta": meta, "records": records}) + "\n").encode("utf-8"))
