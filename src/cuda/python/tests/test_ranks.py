"""Two CPU processes under torch.distributed (gloo) and DistributedDataParallel take the same update
as one process: each step's examples split over the ranks, a rank short of rows runs a masked dummy
micro-batch, and the loss scaled by world / counted makes DDP's averaged gradient Σ losses / counted."""
import os
import socket
import tempfile
import unittest

from .fixtures import train_spec
from .needs import HAS_TORCH, needs_torch

if HAS_TORCH:
    import torch
    import torch.distributed as dist

    from wgml_cuda.loop import LocalRuntime, train
    from .test_loop import DATA, flat, toy


class GlooRuntime:
    def __init__(self, rank, world):
        self.rank, self.world, self.device = rank, world, torch.device("cpu")

    def reduce_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()

    def backward(self, loss):
        loss.backward()

    def no_sync(self, model):
        return model.no_sync()

    def clip_grad_norm(self, params, max_norm):
        return float(torch.nn.utils.clip_grad_norm_(params, max_norm if max_norm > 0 else float("inf")))

    def barrier(self):
        dist.barrier()

    def autocast(self):
        import contextlib

        return contextlib.nullcontext()

    def peak_memory(self):
        return 0


SPEC = dict(batch_size=3, grad_accum=1, per_device_batch_size=1, save_every=0, max_steps=3)


def _rank_main(rank, world, port, root, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    model = toy()
    model.module = torch.nn.parallel.DistributedDataParallel(model.module)
    inner = model.module.module
    model.forward = lambda ids, mask: model.module(ids)
    model.params = list(inner.parameters())
    spec = train_spec(root, **SPEC)
    spec["gpus"] = world
    train(model, GlooRuntime(rank, world), DATA, spec, log=lambda _: None)
    if rank == 0:
        torch.save(flat(model), out)
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_torch
class RanksTest(unittest.TestCase):
    def test_two_ranks_take_the_one_process_update(self):
        single = toy()
        train(single, LocalRuntime(), DATA, train_spec(tempfile.mkdtemp(), **SPEC), log=lambda _: None)
        out = os.path.join(tempfile.mkdtemp(), "params.pt")
        torch.multiprocessing.spawn(_rank_main, args=(2, free_port(), tempfile.mkdtemp(), out), nprocs=2, join=True)
        self.assertTrue(torch.allclose(torch.load(out), flat(single), atol=1e-6))


if __name__ == "__main__":
    unittest.main()
