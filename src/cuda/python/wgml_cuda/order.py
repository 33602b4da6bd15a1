"""Data order and step plans, as src/train/trainer.ts's DataCursor walks the data: the same seeded
shuffle (mulberry32, Fisher-Yates), HF-style length grouping and micro-batches of batch_size that
roll over epochs, so on one GPU the CUDA path sees the WebGPU trainer's micro-batches in its order.
With several GPUs one optimizer step holds the same examples, split over the ranks. Standard library."""
from typing import List, Sequence

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


class Rng:
    """src/cpu/random.ts Rng (mulberry32)."""

    def __init__(self, seed: int) -> None:
        self.state = seed & M32

    def next(self) -> float:
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    def int(self, below: int) -> int:
        return int(self.next() * below)


def shuffled(n: int, rng: Rng) -> List[int]:
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def length_grouped(order: Sequence[int], lengths: Sequence[int], batch_size: int) -> List[int]:
    """Megabatches of 50 batches, each sorted longest first (a stable sort, as JavaScript's)."""
    mega = 50 * batch_size
    out: List[int] = []
    for i in range(0, len(order), mega):
        out.extend(sorted(order[i:i + mega], key=lambda k: -lengths[k]))
    return out


class DataCursor:
    """Position in the seeded epochs; (epoch, position) is what a checkpoint stores."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int, group_by_length: bool, epoch: int = 0, position: int = 0):
        self.lengths, self.batch_size, self.seed, self.group = lengths, batch_size, seed, group_by_length
        self.epoch, self.position = epoch, position
        self._reorder()

    def _reorder(self) -> None:
        order = shuffled(len(self.lengths), Rng(self.seed + self.epoch))
        self.order = length_grouped(order, self.lengths, self.batch_size) if self.group else order

    def next(self) -> List[int]:
        if self.position >= len(self.order):
            self.epoch += 1
            self.position = 0
            self._reorder()
        picked = self.order[self.position:self.position + self.batch_size]
        self.position += len(picked)
        return picked

    def next_step(self, grad_accum: int) -> List[List[int]]:
        return [self.next() for _ in range(grad_accum)]


def rank_share(step_examples: Sequence[int], world: int, rank: int) -> List[int]:
    """Rank `rank`'s contiguous share of one step's examples (sizes differ by at most one);
    contiguous keeps length-grouped neighbours together, so little padding."""
    n = len(step_examples)
    base, extra = divmod(n, world)
    start = rank * base + min(rank, extra)
    return list(step_examples[start:start + base + (1 if rank < extra else 0)])


def micro_batches(share: Sequence[int], per_device: int, count: int) -> List[List[int]]:
    """`share` in `count` micro-batches of at most `per_device`; missing ones are empty (the rank still
    runs a forward and backward, on a masked dummy row, so every rank joins the gradient all-reduce)."""
    out = [list(share[i:i + per_device]) for i in range(0, len(share), per_device)]
    return out + [[] for _ in range(count - len(out))]


def micro_count(step_examples: int, world: int, per_device: int) -> int:
    largest = -(-step_examples // world)
    return max(1, -(-largest // per_device))


def shard(ids: Sequence[int], workers: int, worker: int) -> List[int]:
    """Worker `worker`'s contiguous range of chunk ids, as recipes/critique/commands.ts workerPlans."""
    used = min(workers, len(ids))
    if worker >= used:
        return []
    return rank_share(ids, used, worker)

