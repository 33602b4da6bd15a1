"""wgml's CUDA worker: `python -m wgml_cuda train SPEC`, `generate SPEC`, `env`, `check SPEC`."""

__version__ = "0.1.0"
