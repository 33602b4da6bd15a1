"""Checkpoint bookkeeping, as src/train/checkpoint.ts: <checkpoint_dir>/checkpoint-<step>/ holds the
PEFT adapter (adapter_config.json + adapter_model.safetensors, so wgml loads any checkpoint as an
adapter), optimizer.pt and trainer_state.json (step, epoch, data position). Written under
checkpoint-<step>.tmp-<pid> and renamed; the newest keep_last are kept; on resume a corrupt newest
checkpoint falls back to the one before it, and leftovers of a killed save are removed. Standard library."""
import json
import os
import shutil
from typing import Callable, List, Optional, Tuple

from .errors import WorkerError

PREFIX = "checkpoint-"
TEMP_MARK = ".tmp-"
STATE = "trainer_state.json"
NEEDED = ("adapter_config.json", "adapter_model.safetensors", "optimizer.pt", STATE)


def checkpoint_dir(root: str, step: int) -> str:
    return os.path.join(root, f"{PREFIX}{step}")


def checkpoint_steps(root: str) -> List[int]:
    names = os.listdir(root) if os.path.isdir(root) else []
    return sorted(int(n[len(PREFIX):]) for n in names if n.startswith(PREFIX) and n[len(PREFIX):].isdigit())


def remove_leftovers(root: str) -> None:
    for name in os.listdir(root) if os.path.isdir(root) else []:
        if name.startswith(PREFIX) and TEMP_MARK in name:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def refuse_overwrite(root: str) -> None:
    if checkpoint_steps(root):
        raise WorkerError(f"{root} already holds checkpoints; pass --resume to continue that run or choose another run directory")


def read_state(directory: str) -> dict:
    missing = [f for f in NEEDED if not os.path.isfile(os.path.join(directory, f))]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    with open(os.path.join(directory, STATE), encoding="utf-8") as f:
        state = json.load(f)
    if not all(isinstance(state.get(k), int) for k in ("step", "epoch", "dataPosition")):
        raise ValueError(f"{STATE} lacks step, epoch or dataPosition")
    return state


def latest_intact(root: str, on_notice: Callable[[str], None]) -> Optional[Tuple[str, dict]]:
    """The newest checkpoint that reads back, skipping (and reporting) corrupt newer ones."""
    remove_leftovers(root)
    for step in reversed(checkpoint_steps(root)):
        directory = checkpoint_dir(root, step)
        try:
            return directory, read_state(directory)
        except (ValueError, OSError) as error:
            on_notice(f"resume: skipping corrupt {directory} ({error}); using the checkpoint before it")
    return None


def save_checkpoint(root: str, state: dict, write: Callable[[str], None], keep_last: int) -> str:
    """`write(dir)` puts the adapter and optimizer.pt into the temporary directory."""
    os.makedirs(root, exist_ok=True)
    remove_leftovers(root)
    final = checkpoint_dir(root, state["step"])
    temp = f"{final}{TEMP_MARK}{os.getpid()}"
    os.makedirs(temp)
    write(temp)
    with open(os.path.join(temp, STATE), "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temp, final)
    for step in checkpoint_steps(root)[:-keep_last]:
        shutil.rmtree(checkpoint_dir(root, step), ignore_errors=True)
    return final
