"""`python -m wgml_cuda train SPEC`: QLoRA on the standard stack. The base loads in 4 bits through
bitsandbytes (nf4, double quantization, bf16 compute), or in bf16 where the spec has no quantization
(plain LoRA), PEFT adds LoRA on the spec's target modules,
gradient checkpointing trades compute for memory, and accelerate holds one process per GPU (started
by torchrun or `accelerate launch`). The loop itself is loop.py, shared with the CPU tests."""
import contextlib
import os

from .args import bnb_args, checkpointing_kwargs, compute_dtype, dtype_kwargs, kbit_args, lora_args, save_args
from .deps import require, require_cuda
from .data import read_examples
from .errors import WorkerError
from .token_rows import check_token_rows


class AccelerateRuntime:
    def __init__(self, accelerator) -> None:
        self.acc = accelerator
        self.rank, self.world, self.device = accelerator.process_index, accelerator.num_processes, accelerator.device

    def reduce_sum(self, values):
        import torch

        return [float(v) for v in self.acc.reduce(torch.tensor(values, dtype=torch.float64, device=self.device), reduction="sum")]

    def backward(self, loss):
        self.acc.backward(loss)

    def no_sync(self, model):
        return self.acc.no_sync(model) if self.world > 1 else contextlib.nullcontext()

    def clip_grad_norm(self, params, max_norm):
        return float(self.acc.clip_grad_norm_(params, max_norm if max_norm > 0 else float("inf")))

    def barrier(self):
        self.acc.wait_for_everyone()

    def autocast(self):
        return self.acc.autocast()

    def peak_memory(self):
        import torch

        return int(torch.cuda.max_memory_allocated(self.device))


def base_load_kwargs(quantization, dtype, device) -> dict:
    """from_pretrained's arguments for the base on `device`: 4 bits through bitsandbytes per the
    quantization table (computing in `dtype`), or unquantized in `dtype` where it is None."""
    import transformers

    load = {**dtype_kwargs(transformers.__version__, dtype), "device_map": {"": device}}
    if quantization:
        from transformers import BitsAndBytesConfig

        load["quantization_config"] = BitsAndBytesConfig(**{**bnb_args(quantization), "bnb_4bit_compute_dtype": dtype})
    return load


def load_peft_model(spec: dict, device_index: int):
    import peft
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoConfig, AutoModelForCausalLM

    # Before the weights load: the new tokens' rows need a PEFT that trains them and the base they were made for.
    config = AutoConfig.from_pretrained(spec["model"])
    check_token_rows(spec["lora"]["trainable_tokens"], peft.__version__, bool(getattr(config, "tie_word_embeddings", False)), config.vocab_size, spec["model"])
    compute = getattr(torch, compute_dtype(spec))
    # One whole copy per process: each rank places the base on its own GPU (data parallel).
    base = AutoModelForCausalLM.from_pretrained(spec["model"], **base_load_kwargs(spec["quantization"], compute, device_index))
    base.config.use_cache = False
    if spec["quantization"]:
        base = prepare_model_for_kbit_training(base, **kbit_args(spec))
    elif spec["train"]["gradient_checkpointing"]:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs=checkpointing_kwargs())
    return get_peft_model(base, LoraConfig(**lora_args(spec)))


def run_train(spec: dict, log=print) -> None:
    require("torch", "transformers", "peft", "accelerate", "safetensors", *(["bitsandbytes"] if spec["quantization"] else []))
    require_cuda()
    from accelerate import Accelerator
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    # loop.py needs torch, so it is imported only once the packages are known to be there.
    from .loop import Model, train

    data = read_examples(spec["data"]["train"])
    eval_data = read_examples(spec["data"]["eval"]) if spec["data"]["eval"] else None
    acc = Accelerator(mixed_precision="bf16" if compute_dtype(spec) == "bfloat16" else "fp16")
    if acc.num_processes != spec["gpus"]:
        raise WorkerError(f"the spec is for {spec['gpus']} GPUs but {acc.num_processes} processes started; use the command --dry-run prints")
    peft_model = load_peft_model(spec, acc.local_process_index)
    params = [p for p in peft_model.parameters() if p.requires_grad]
    wrapped = acc.prepare(peft_model)
    unwrapped = lambda: acc.unwrap_model(wrapped)  # noqa: E731 - the PEFT model under DDP
    model = Model(
        module=wrapped,
        params=params,
        forward=lambda ids, mask: wrapped(input_ids=ids, attention_mask=mask).logits,
        save=lambda d: unwrapped().save_pretrained(d, **save_args()),
        load=lambda d: set_peft_model_state_dict(unwrapped(), load_file(os.path.join(d, "adapter_model.safetensors"))),
    )
    steps = train(model, AccelerateRuntime(acc), data, spec, eval_data, log if acc.is_main_process else (lambda _: None))
    acc.wait_for_everyone()
    if acc.is_main_process:
        unwrapped().save_pretrained(spec["adapter_dir"], **save_args())
        log(f"[cuda train] {steps} steps; adapter in {spec['adapter_dir']}, metrics in {os.path.join(spec['output_dir'], 'metrics.jsonl')}")
