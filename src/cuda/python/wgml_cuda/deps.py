"""Imports of the GPU stack with one-line errors: which packages are missing and the command that
installs them; no CUDA device is its own error. Standard library (the imports are the check)."""
import importlib
import os
import sys

from .errors import MissingPackageError, NoCudaError

REQUIREMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "requirements.txt")

# Import name -> pip name.
PIP_NAMES = {"torch": "torch", "transformers": "transformers", "peft": "peft", "bitsandbytes": "bitsandbytes", "accelerate": "accelerate", "safetensors": "safetensors", "vllm": "vllm"}


def install_command() -> str:
    return f"{sys.executable or 'python3'} -m pip install -r {REQUIREMENTS}"


def require(*names: str) -> None:
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(PIP_NAMES.get(name, name))
    if missing:
        raise MissingPackageError(f"missing Python packages: {', '.join(missing)}; install them: {install_command()}")


def require_cuda() -> int:
    import torch

    if not torch.cuda.is_available() or torch.cuda.device_count() == 0:
        raise NoCudaError(f"no CUDA device (torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'}); run on a machine with an NVIDIA GPU and a CUDA build of torch, or use --backend webgpu")
    return torch.cuda.device_count()
