"""`python -m wgml_cuda env`: what `wgml doctor --backend cuda` reports, as one JSON object: the
interpreter, each package's version (null when absent), torch's CUDA build, the GPUs and their
memory, and the install command. Runs on any Python; nothing here needs a GPU."""
import importlib
import json
import platform
import sys

from . import __version__
from .deps import PIP_NAMES, install_command


def package_version(name: str):
    try:
        module = importlib.import_module(name)
    except Exception:  # a broken install (say, bitsandbytes without its CUDA library) counts as absent
        return None
    return str(getattr(module, "__version__", "unknown"))


def cuda_report() -> dict:
    try:
        import torch
    except Exception:
        return {"available": False, "build": None, "devices": []}
    available = bool(torch.cuda.is_available())
    devices = []
    for i in range(torch.cuda.device_count() if available else 0):
        props = torch.cuda.get_device_properties(i)
        devices.append({"name": props.name, "memory_bytes": int(props.total_memory)})
    return {"available": available, "build": torch.version.cuda, "devices": devices}


def report() -> dict:
    return {
        "worker": __version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "packages": {name: package_version(name) for name in PIP_NAMES},
        "cuda": cuda_report(),
        "install": install_command(),
    }


def main() -> None:
    print(json.dumps(report()))
