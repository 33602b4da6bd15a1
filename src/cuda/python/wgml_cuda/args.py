"""The arguments the worker passes to the libraries, built from the spec in one place so `check`
(and the launcher's --dry-run) prints exactly what train and generate call: BitsAndBytesConfig,
LoraConfig, torch.optim.AdamW, vllm.LLM and vllm.SamplingParams. Standard library."""


# The quantization table the launcher writes for the default quantization block (src/cuda/plan.ts): nf4, double quantization, bf16 compute.
NF4 = {"format": "nf4", "double_quant": True, "compute_dtype": "bfloat16"}


def bnb_args(q: dict) -> dict:
    """BitsAndBytesConfig's arguments for a spec's quantization table (the compute dtype by name)."""
    return {"load_in_4bit": True, "bnb_4bit_quant_type": q["format"], "bnb_4bit_use_double_quant": q["double_quant"], "bnb_4bit_compute_dtype": q["compute_dtype"]}


def quantization_args(spec: dict) -> dict:
    """BitsAndBytesConfig's arguments (also what `check` prints); a quantized spec only."""
    return bnb_args(spec["quantization"])


def compute_dtype(spec: dict) -> str:
    """The dtype the base computes in: bitsandbytes' compute dtype, or bf16 for a plain LoRA base."""
    return spec["quantization"]["compute_dtype"] if spec["quantization"] else "bfloat16"


def dtype_kwargs(transformers_version: str, dtype) -> dict:
    """from_pretrained's dtype keyword: `dtype` since transformers 4.56 (`torch_dtype` before, and
    deprecated after)."""
    major, minor = (int("".join(c for c in part if c.isdigit()) or 0) for part in transformers_version.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (4, 56) else {"torch_dtype": dtype}


def checkpointing_kwargs() -> dict:
    # Non-reentrant checkpointing is the kind DDP's no_sync allows.
    return {"use_reentrant": False}


def kbit_args(spec: dict) -> dict:
    """prepare_model_for_kbit_training's arguments (a quantized base)."""
    return {"use_gradient_checkpointing": spec["train"]["gradient_checkpointing"], "gradient_checkpointing_kwargs": checkpointing_kwargs()}


def token_indices(rows: dict):
    """LoraConfig's trainable_token_indices for spec lora.trainable_tokens. Tied: the plain list, with
    which PEFT wraps the input embedding and ties lm_head's wrapper to it (only the embedding's rows
    are saved, as wgml saves them); untied: both modules by name, each training its own rows."""
    ids = list(rows["indices"])
    return ids if rows["tied"] else {"embed_tokens": ids, "lm_head": ids}


def lora_args(spec: dict) -> dict:
    lora = spec["lora"]
    args = {"r": lora["r"], "lora_alpha": lora["alpha"], "lora_dropout": lora["dropout"], "target_modules": lora["target_modules"], "bias": "none", "task_type": "CAUSAL_LM"}
    if lora["trainable_tokens"] is not None:
        args["trainable_token_indices"] = token_indices(lora["trainable_tokens"])
    return args


def save_args() -> dict:
    """save_pretrained's: the base an adapter goes with already has the enlarged vocabulary (the
    special-tokens recipe's model/), so the new tokens' rows are saved and the whole tables never."""
    return {"safe_serialization": True, "save_embedding_layers": False}


def optimizer_args(spec: dict) -> dict:
    """torch.optim.AdamW's arguments (the rate is set per step from the schedule, as wgml does)."""
    t = spec["train"]
    return {"lr": t["learning_rate"], "betas": (t["adam_beta1"], t["adam_beta2"]), "eps": t["adam_epsilon"], "weight_decay": t["weight_decay"]}


# vLLM sizes its LoRA slots from a fixed set of ranks; the smallest one that holds the adapter.
LORA_SLOTS = (8, 16, 32, 64, 128, 256, 320, 512)


def lora_slot(rank: int) -> int:
    return next((s for s in LORA_SLOTS if s >= rank), rank)


def engine_args(spec: dict) -> dict:
    """vllm.LLM's arguments for this spec (also what `check` prints)."""
    v, adapter = spec["vllm"], spec["adapter"]
    return {
        "model": spec["model"], "tensor_parallel_size": v["tensor_parallel_size"], "dtype": v["dtype"],
        "gpu_memory_utilization": v["gpu_memory_utilization"], "max_model_len": v["max_model_len"], "seed": spec["sampling"]["seed"],
        "enable_lora": adapter is not None, "max_lora_rank": lora_slot(adapter["rank"]) if adapter else 16,
    }


def sampling_args(p: dict, seed: int) -> dict:
    """vllm.SamplingParams' arguments for one sample; vLLM reads top_k -1 as off, where wgml writes 0."""
    return {"n": 1, "temperature": p["temperature"], "top_p": p["top_p"], "top_k": p["top_k"] or -1, "max_tokens": p["max_tokens"], "stop": p["stop"] or None, "seed": seed}


class _PerSample:
    def __repr__(self) -> str:
        return "<each sample's seed from the prompts file>"


SEED_PER_SAMPLE = _PerSample()


def describe(spec: dict) -> str:
    """The library calls a spec makes, one per line, as Python would read them."""
    def call(name: str, kwargs: dict) -> str:
        return f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"

    if spec["task"] == "train":
        if spec["quantization"]:
            base = [call("BitsAndBytesConfig", quantization_args(spec)), call("prepare_model_for_kbit_training", kbit_args(spec))]
        else:
            base = [call("AutoModelForCausalLM.from_pretrained", {"dtype": "bfloat16"})]
            if spec["train"]["gradient_checkpointing"]:
                base.append(call("model.gradient_checkpointing_enable", {"gradient_checkpointing_kwargs": checkpointing_kwargs()}))
        return "\n".join([*base, call("LoraConfig", lora_args(spec)), call("torch.optim.AdamW", optimizer_args(spec))])
    first = {**sampling_args(spec["sampling"], 0), "seed": SEED_PER_SAMPLE}
    return "\n".join([call("vllm.LLM", engine_args(spec)), call("vllm.SamplingParams", first) + f"  # one request per sample, {spec['sampling']['n']} per prompt"])
