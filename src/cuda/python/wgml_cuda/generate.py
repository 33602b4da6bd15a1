"""`python -m wgml_cuda generate SPEC [--shard K/W]`: vLLM samples every selected chunk, tensor
parallel over the GPUs this process sees (CUDA_VISIBLE_DEVICES) and data parallel across processes
(`--shard`: this worker's contiguous range of chunk ids). One request per (item, sample) with that
sample's seed, so vLLM's batching cannot change a sample; LoRA through LoRARequest."""
from .args import engine_args, sampling_args
from .chunks import already_done, chunk_meta, chunk_path, chunk_range, write_chunk
from .deps import require, require_cuda
from .order import shard
from .prompts import read_prompts


def parse_shard(text: str):
    k, _, w = text.partition("/")
    if not (k.isdigit() and w.isdigit()) or int(k) >= int(w):
        raise ValueError(f"--shard {text}: expected K/W with 0 <= K < W")
    return int(k), int(w)


def run_generate(spec: dict, worker: int = 0, workers: int = 1, log=print) -> None:
    rows = read_prompts(spec["prompts"], spec["sampling"]["n"])
    ids = shard(spec["chunk_ids"], workers, worker)
    name, size, p = spec["model_name"], spec["chunk_size"], spec["sampling"]
    meta = {c: chunk_meta(name, c, size, [rows[i]["index"] for i in chunk_range(c, size, len(rows))], p, spec["wgml_version"]) for c in ids}
    todo = [c for c in ids if not already_done(chunk_path(spec["out_dir"], name, c), meta[c])]
    log(f"[cuda generate {name}] worker {worker}/{workers}: {len(todo)} of {len(ids)} chunks to sample")
    if not todo:
        return
    require("torch", "vllm")
    require_cuda()
    from vllm import LLM, SamplingParams
    from vllm.inputs import TokensPrompt
    from vllm.lora.request import LoRARequest

    adapter = spec["adapter"]
    llm = LLM(**engine_args(spec))
    lora = LoRARequest(adapter["name"], 1, adapter["path"]) if adapter else None
    for c in todo:
        items = [rows[i] for i in chunk_range(c, size, len(rows))]
        prompts = [TokensPrompt(prompt_token_ids=r["prompt_token_ids"]) for r in items for _ in range(p["n"])]
        params = [SamplingParams(**sampling_args(p, seed)) for r in items for seed in r["seeds"]]
        outputs = llm.generate(prompts, params, lora_request=lora)
        texts = [o.outputs[0].text for o in outputs]
        records = [{**r["record"], "responses": texts[k * p["n"]:(k + 1) * p["n"]]} for k, r in enumerate(items)]
        path = chunk_path(spec["out_dir"], name, c)
        write_chunk(path, meta[c], records)
        log(f"[cuda generate {name}] chunk {c} written: {path}")
