"""The training loop, as src/train/trainer.ts runs it: each optimizer step takes grad_accum
micro-batches of batch_size from the seeded cursor, the loss is averaged over every counted token of
the whole step (across all ranks), AdamW with clipping and the warmup schedule, eval loss weighted by
tokens, a checkpoint every save_every steps and at the end, and resume from the newest intact one.
The model and the process group come in through `Model` and `Runtime`, so this file needs only torch:
train.py plugs in transformers/PEFT/accelerate, the tests a toy model on one CPU process."""
import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Protocol

import torch

from . import checkpoints as ckpt
from .args import optimizer_args
from .collate import pad_batch, token_loss_sum
from .data import counted_tokens
from .errors import WorkerError
from .metrics import MetricsWriter, progress_line
from .order import DataCursor, micro_batches, micro_count, rank_share
from .schedule import lr_factor


class Runtime(Protocol):
    rank: int
    world: int
    device: torch.device

    def reduce_sum(self, values: List[float]) -> List[float]: ...
    def backward(self, loss: torch.Tensor) -> None: ...
    def no_sync(self, model) -> contextlib.AbstractContextManager: ...
    def clip_grad_norm(self, params, max_norm: float) -> float: ...
    def barrier(self) -> None: ...
    def autocast(self) -> contextlib.AbstractContextManager: ...
    def peak_memory(self) -> int: ...


class LocalRuntime:
    """One process, no collectives: tests, and a CPU smoke run."""

    rank, world = 0, 1

    def __init__(self, device: str = "cpu") -> None:
        self.device = torch.device(device)

    def reduce_sum(self, values):
        return list(values)

    def backward(self, loss):
        loss.backward()

    def no_sync(self, model):
        return contextlib.nullcontext()

    def clip_grad_norm(self, params, max_norm):
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm if max_norm > 0 else float("inf")))

    def barrier(self):
        pass

    def autocast(self):
        return contextlib.nullcontext()

    def peak_memory(self):
        return 0


@dataclass
class Model:
    """forward(input_ids, attention_mask) -> logits (B,T,V); save(dir) writes the PEFT adapter;
    load(dir) reads one back into the trainable tensors."""

    module: torch.nn.Module
    params: List[torch.nn.Parameter]
    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    save: Callable[[str], None]
    load: Callable[[str], None]


def _micro_loss(model: Model, rt: Runtime, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
    with rt.autocast():
        logits = model.forward(batch["input_ids"].to(rt.device), batch["attention_mask"].to(rt.device))
    return token_loss_sum(logits, batch["labels"].to(rt.device))


def _write_checkpoint(model: Model, optimizer: torch.optim.Optimizer, directory: str) -> None:
    model.save(directory)
    torch.save(optimizer.state_dict(), f"{directory}/optimizer.pt")


def eval_loss(model: Model, rt: Runtime, data: List[dict], per_device: int, pad_id: int) -> float:
    """Σ token losses / Σ counted tokens over the whole set (each rank a share), as wgml's evalLoss."""
    share = rank_share(list(range(len(data))), rt.world, rt.rank)
    total = counted = 0.0
    model.module.eval()
    with torch.no_grad():
        for i in range(0, len(share), per_device):
            batch = pad_batch([data[k] for k in share[i:i + per_device]], pad_id)
            total += float(_micro_loss(model, rt, batch))
            counted += batch["counted"]
    model.module.train()
    total, counted = rt.reduce_sum([total, counted])
    return total / counted


def train(model: Model, rt: Runtime, data: List[dict], spec: dict, eval_data: Optional[List[dict]] = None, log: Callable[[str], None] = print) -> int:
    """Runs spec["train"] to its max_steps; returns the step reached. Only rank 0 writes files."""
    t = spec["train"]
    total = t["max_steps"]
    pad_id, per_device, main = spec["pad_token_id"], t["per_device_batch_size"], rt.rank == 0
    optimizer = torch.optim.AdamW(model.params, **optimizer_args(spec))
    lengths = [len(e["input_ids"]) for e in data]
    cursor = DataCursor(lengths, t["batch_size"], t["seed"], t["group_by_length"])
    step = 0
    root = spec["checkpoint_dir"]
    if spec["resume"]:
        found = ckpt.latest_intact(root, log)
        if found:
            directory, state = found
            model.load(directory)
            optimizer.load_state_dict(torch.load(f"{directory}/optimizer.pt", map_location="cpu"))
            step = state["step"]
            cursor = DataCursor(lengths, t["batch_size"], t["seed"], t["group_by_length"], state["epoch"], state["dataPosition"])
    else:
        ckpt.refuse_overwrite(root)
    metrics = MetricsWriter(spec["output_dir"], step if spec["resume"] else None) if main else None
    started, first = time.perf_counter(), step
    model.module.train()
    while step < total:
        began = time.perf_counter()
        examples = [i for mb in cursor.next_step(t["grad_accum"]) for i in mb]
        counted = sum(counted_tokens(data[i]["labels"]) for i in examples)
        if counted == 0:
            raise WorkerError(f"train: step {step + 1} has no token with a label (every label is -100); check the assistant-only masks of the training file")
        count = micro_count(len(examples), rt.world, per_device)
        micro = micro_batches(rank_share(examples, rt.world, rt.rank), per_device, count)
        # Seeded per step, as wgml seeds dropout per step, so a resumed run draws what an unbroken one would.
        torch.manual_seed(t["seed"] * 1_000_003 + step)
        loss_sum = tokens = 0.0
        for k, ids in enumerate(micro):
            batch = pad_batch([data[i] for i in ids], pad_id)
            sync = k == len(micro) - 1
            with (contextlib.nullcontext() if sync else rt.no_sync(model.module)):
                loss = _micro_loss(model, rt, batch)
                # DDP averages gradients over ranks; × world makes the sum Σ losses / counted of the whole step.
                rt.backward(loss * (rt.world / counted) if ids else loss * 0.0)
            if ids:
                loss_sum += float(loss)
                tokens += batch["input_ids"].numel()
        lr = t["learning_rate"] * lr_factor(t["scheduler"], t["warmup_steps"], step, total)
        for group in optimizer.param_groups:
            group["lr"] = lr
        grad_norm = rt.clip_grad_norm(model.params, t["max_grad_norm"])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        loss_sum, tokens = rt.reduce_sum([loss_sum, tokens])
        due = t["eval_steps"] > 0 and (step % t["eval_steps"] == 0 or step == total)
        ev = eval_loss(model, rt, eval_data, per_device, pad_id) if due and eval_data else None
        if metrics:
            row = metrics.log(step, loss_sum / counted, lr, grad_norm, tokens / (time.perf_counter() - began), rt.peak_memory(), ev)
            log(progress_line(row, total, time.perf_counter() - started, step - first))
        if t["save_every"] and (step % t["save_every"] == 0 or step == total):
            if main:
                state = {"step": step, "epoch": cursor.epoch, "dataPosition": cursor.position}
                ckpt.save_checkpoint(root, state, lambda d: _write_checkpoint(model, optimizer, d), t["keep_last"])
            rt.barrier()
    return step
