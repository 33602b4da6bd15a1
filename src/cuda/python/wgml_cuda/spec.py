"""The resolved JSON spec the launcher writes (src/cuda/spec.ts is its zod schema). Checked here again,
field by field, so a spec from another wgml version fails with the field's name before any GPU work.
Standard library only."""
import json
from typing import Any, Optional

from .errors import SpecError

SPEC_VERSION = 1

# Field -> a type, a tuple of types, or a nested field table. `None` in a tuple allows null.
STR, INT, NUM, BOOL, LIST = str, int, (int, float), bool, list

_SAMPLING = {"n": INT, "temperature": NUM, "top_p": NUM, "top_k": INT, "max_tokens": INT, "stop": LIST, "seed": INT}

TRAIN_FIELDS = {
    "version": INT, "task": STR, "wgml_version": STR, "model": STR,
    "data": {"train": STR, "eval": (str, type(None))},
    "output_dir": STR, "checkpoint_dir": STR, "adapter_dir": STR, "resume": BOOL, "pad_token_id": INT,
    # null: plain LoRA on the bf16 base (no bitsandbytes).
    "quantization": ({"format": STR, "double_quant": BOOL, "compute_dtype": STR}, type(None)),
    "lora": {"r": INT, "alpha": NUM, "dropout": NUM, "target_modules": LIST, "trainable_tokens": ({"indices": LIST, "tied": BOOL}, type(None))},
    "train": {
        "max_steps": INT, "batch_size": INT, "grad_accum": INT, "per_device_batch_size": INT,
        "learning_rate": NUM, "scheduler": STR, "warmup_steps": INT, "weight_decay": NUM, "max_grad_norm": NUM,
        "adam_beta1": NUM, "adam_beta2": NUM, "adam_epsilon": NUM, "save_every": INT, "keep_last": INT,
        "eval_steps": INT, "seed": INT, "group_by_length": BOOL, "gradient_checkpointing": BOOL,
    },
    "gpus": INT, "launcher": STR,
}

GENERATE_FIELDS = {
    "version": INT, "task": STR, "wgml_version": STR, "model": STR, "model_name": STR,
    "adapter": ({"name": STR, "path": STR, "rank": INT}, type(None)),
    "prompts": STR, "out_dir": STR, "chunk_size": INT, "chunk_ids": LIST,
    "sampling": _SAMPLING,
    "vllm": {"tensor_parallel_size": INT, "gpu_memory_utilization": NUM, "max_model_len": (int, type(None)), "dtype": STR},
    "gpus": INT,
}

# Fields a table may leave out (everything else is required, as the launcher always writes it).
OPTIONAL = {"sampling.prompt_template": STR}

CHOICES = {
    "quantization.format": ("nf4", "fp4"),
    "quantization.compute_dtype": ("bfloat16", "float16"),
    "train.scheduler": ("constant", "linear", "cosine"),
    "launcher": ("python", "torchrun", "accelerate"),
    "vllm.dtype": ("bfloat16", "float16", "auto"),
}


def _type_ok(value: Any, kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if k is type(None) and value is None:
            return True
        if isinstance(k, dict) and isinstance(value, dict):
            return True
        if isinstance(k, type) and isinstance(value, k) and not (k is not bool and isinstance(value, bool)):
            return True
    return False


def _table_of(kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return next((k for k in kinds if isinstance(k, dict)), None)


def check_fields(where: str, obj: dict, fields: dict, prefix: str = "") -> None:
    optional = {k[len(prefix):]: v for k, v in OPTIONAL.items() if k.startswith(prefix) and "." not in k[len(prefix):]}
    for key in obj:
        if key not in fields and key not in optional:
            raise SpecError(f"{where}: unknown field '{prefix}{key}' (this worker knows {', '.join(prefix + k for k in fields)}); regenerate the spec with the same wgml version as src/cuda/python")
    for key, kind in fields.items():
        if key not in obj:
            raise SpecError(f"{where}: missing field '{prefix}{key}'; regenerate the spec with `--dry-run`")
    for key, value in obj.items():
        kind = fields.get(key, optional.get(key))
        if not _type_ok(value, kind):
            raise SpecError(f"{where}: field '{prefix}{key}' has the wrong type ({type(value).__name__}: {json.dumps(value)[:60]})")
        table = _table_of(kind)
        if table is not None and isinstance(value, dict):
            check_fields(where, value, table, f"{prefix}{key}.")
        choices = CHOICES.get(prefix + key)
        if choices and value not in choices:
            raise SpecError(f"{where}: field '{prefix}{key}' is {value!r}; one of {', '.join(choices)}")


def check_token_rows(where: str, spec: dict) -> None:
    """lora.trainable_tokens.indices: distinct token ids (ints >= 0), at least one."""
    rows = spec["lora"]["trainable_tokens"]
    if rows is None:
        return
    ids = rows["indices"]
    if not ids or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids) or len(set(ids)) != len(ids):
        raise SpecError(f"{where}: field 'lora.trainable_tokens.indices' is {json.dumps(ids)[:60]}; expected distinct token ids (integers >= 0), at least one")


def parse_spec(text: str, where: str = "spec") -> dict:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"{where}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(spec, dict):
        raise SpecError(f"{where}: expected a JSON object")
    if spec.get("version") != SPEC_VERSION:
        raise SpecError(f"{where}: spec version {spec.get('version')!r}, this worker reads version {SPEC_VERSION}; use the worker shipped with the wgml that wrote it")
    fields = {"train": TRAIN_FIELDS, "generate": GENERATE_FIELDS}.get(spec.get("task"))
    if fields is None:
        raise SpecError(f"{where}: field 'task' is {spec.get('task')!r}; one of train, generate")
    check_fields(where, spec, fields)
    if spec["task"] == "train":
        check_token_rows(where, spec)
    return spec


def read_spec(path: str, task: Optional[str] = None) -> dict:
    """The checked spec at `path`; `task`, when given, must be its task."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as error:
        raise SpecError(f"{path}: cannot read the spec ({error.strerror})") from None
    spec = parse_spec(text, path)
    if task is not None and spec["task"] != task:
        raise SpecError(f"{path}: a {spec['task']} spec; run `python -m wgml_cuda {spec['task']} {path}`")
    return spec
