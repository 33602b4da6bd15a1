"""Specs as the launcher writes them (tests/cuda checks the TypeScript side writes the same shape)."""
import copy
import json
import os


def train_spec(root: str, **train) -> dict:
    spec = {
        "version": 1, "task": "train", "wgml_version": "0.1.0", "model": os.path.join(root, "model"),
        "data": {"train": os.path.join(root, "train.jsonl"), "eval": None},
        "output_dir": root, "checkpoint_dir": os.path.join(root, "cuda", "checkpoints"), "adapter_dir": os.path.join(root, "adapter"),
        "resume": False, "pad_token_id": 0,
        "quantization": {"format": "nf4", "double_quant": True, "compute_dtype": "bfloat16"},
        "lora": {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": ["q_proj", "v_proj"], "trainable_tokens": None},
        "train": {
            "max_steps": 4, "batch_size": 2, "grad_accum": 2, "per_device_batch_size": 2, "learning_rate": 0.05,
            "scheduler": "linear", "warmup_steps": 1, "weight_decay": 0.0, "max_grad_norm": 1.0,
            "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_epsilon": 1e-8, "save_every": 2, "keep_last": 2,
            "eval_steps": 0, "seed": 42, "group_by_length": True, "gradient_checkpointing": True,
        },
        "gpus": 1, "launcher": "python",
    }
    spec["train"].update(train)
    return spec


def generate_spec(root: str) -> dict:
    return {
        "version": 1, "task": "generate", "wgml_version": "0.1.0", "model": os.path.join(root, "model"), "model_name": "tiny",
        "adapter": None, "prompts": os.path.join(root, "prompts.jsonl"), "out_dir": os.path.join(root, "chunks"),
        "chunk_size": 2, "chunk_ids": [0, 1],
        "sampling": {"n": 2, "temperature": 0.7, "top_p": 1, "top_k": 0, "max_tokens": 16, "stop": [], "seed": 42, "prompt_template": "{problem}"},
        "vllm": {"tensor_parallel_size": 1, "gpu_memory_utilization": 0.9, "max_model_len": None, "dtype": "bfloat16"},
        "gpus": 1,
    }


def with_field(spec: dict, path: str, value) -> dict:
    out = copy.deepcopy(spec)
    *parents, last = path.split(".")
    node = out
    for p in parents:
        node = node[p]
    node[last] = value
    return out


def read_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_rows(path: str) -> list:
    return [json.loads(line) for line in read_text(path).splitlines() if line.strip()]
