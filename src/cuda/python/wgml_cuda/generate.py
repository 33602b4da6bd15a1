"""`python -m wgml_cuda generate SPEC [--shard K/W]`: vLLM samples every selected chunk, tensor
parallel over the GPUs this process sees (CUDA_VISIBLE_DEVICES) and data parallel across processes
(`--shard`: this worker's contiguous range of chunk ids). One request per (item, sample) with that
sample's seed, so vLLM's batching cannot change a sample; LoRA through LoRARequest."""
from .chunks import already_done, chunk_meta, chunk_path, chunk_range, write_chunk
from .deps import require, require_cuda
from .order import shard
from .prompts import read_prompts


def parse_shard(text: str):
    k, _, w = text.partition("/")
    if not (k.isdigit() and w.isdigit()) or int(k) >= int(w):
        raise ValueError(f"--shard {text}: expected K/W with 0 <= K < W")
    return int(k), int(w)


# vLLM sizes its LoRA slots from a fixed set of ranks; the smallest one that holds the adapter.
LORA_SLOTS = (8, 16, 32, 64, 128, 256, 320, 512)


def lora_slot(rank: int) -> int:
    return next((s for s in LORA_SLOTS if s >= rank), rank)


def vllm_sampling(p: dict, seed: int):
    from vllm import SamplingParams

    # vLLM reads top_k -1 as off, where wgml writes 0.
    return SamplingParams(n=1, temperature=p["temperature"], top_p=p["top_p"], top_k=p["top_k"] or -1, max_tokens=p["max_tokens"], stop=p["stop"] or None, seed=seed)


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
    from vllm import LLM
    from vllm.inputs import TokensPrompt
    from vllm.lora.request import LoRARequest

    v, adapter = spec["vllm"], spec["adapter"]
    llm = LLM(model=spec["model"], tensor_parallel_size=v["tensor_parallel_size"], dtype=v["dtype"], gpu_memory_utilization=v["gpu_memory_utilization"], max_model_len=v["max_model_len"], seed=p["seed"], enable_lora=adapter is not None, max_lora_rank=lora_slot(adapter["rank"]) if adapter else 16)
    lora = LoRARequest(adapter["name"], 1, adapter["path"]) if adapter else None
    for c in todo:
        items = [rows[i] for i in chunk_range(c, size, len(rows))]
        prompts = [TokensPrompt(prompt_token_ids=r["prompt_token_ids"]) for r in items for _ in range(p["n"])]
        params = [vllm_sampling(p, seed) for r in items for seed in r["seeds"]]
        outputs = llm.generate(prompts, params, lora_request=lora)
        texts = [o.outputs[0].text for o in outputs]
        records = [{**r["record"], "responses": texts[k * p["n"]:(k + 1) * p["n"]]} for k, r in enumerate(items)]
        path = chunk_path(spec["out_dir"], name, c)
        write_chunk(path, meta[c], records)
        log(f"[cuda generate {name}] chunk {c} written: {path}")
