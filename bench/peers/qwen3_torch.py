"""PyTorch-CPU peer of bench/decode.ts and bench/train.ts: the same Qwen3 shape, batch and lengths
in plain torch (f32 weights, random values; speed does not depend on them), on every core.

  python3 bench/peers/qwen3_torch.py decode '{"model": {...RandomQwenSpec}, "prompt": 128, "steps": 16, "batches": [1, 8]}'
  python3 bench/peers/qwen3_torch.py train  '{"model": {...}, "batch": 4, "seq": 256, "rank": 16, "alpha": 32, "dropout": 0.05}'
  python3 bench/peers/qwen3_torch.py kernels '{"squares": [256, 512], "matvecs": [[1, 512, 1536], ...]}'   (bench/kernels.ts)

Prints one JSON object on stdout. Decode keeps a preallocated KV cache and computes the head for the
last position only; train is autograd LoRA on q,k,v,o,gate,up,down over a frozen base, forward of all
seq tokens + next-token cross entropy + backward (no optimizer step, as bench/train.ts's causalLmStep).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


class Spec:
    def __init__(self, m):
        self.C = m["hiddenSize"]
        self.I = m["intermediateSize"]
        self.L = m["numLayers"]
        self.H = m["numHeads"]
        self.KV = m["numKvHeads"]
        self.D = m["headDim"]
        self.V = m["vocabSize"]
        self.theta = m.get("ropeTheta", 1_000_000)
        self.eps = 1e-6


class Linear(torch.nn.Module):
    """y = x·Wᵀ with W frozen; with rank > 0 adds the LoRA term scale·(dropout(x)·Aᵀ)·Bᵀ (PEFT's init: B = 0)."""

    def __init__(self, n_in, n_out, rank=0, alpha=1.0, dropout=0.0):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(n_out, n_in) * 0.02, requires_grad=False)
        self.rank = rank
        if rank:
            self.A = torch.nn.Parameter(torch.randn(rank, n_in) / math.sqrt(n_in))
            self.B = torch.nn.Parameter(torch.zeros(n_out, rank))
            self.scale = alpha / rank
            self.drop = torch.nn.Dropout(dropout)

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.rank:
            y = y + F.linear(F.linear(self.drop(x), self.A), self.B) * self.scale
        return y


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Layer(torch.nn.Module):
    def __init__(self, s, lora):
        super().__init__()
        self.s = s
        self.q = Linear(s.C, s.H * s.D, **lora)
        self.k = Linear(s.C, s.KV * s.D, **lora)
        self.v = Linear(s.C, s.KV * s.D, **lora)
        self.o = Linear(s.H * s.D, s.C, **lora)
        self.gate = Linear(s.C, s.I, **lora)
        self.up = Linear(s.C, s.I, **lora)
        self.down = Linear(s.I, s.C, **lora)
        for name, n in (("in_norm", s.C), ("post_norm", s.C), ("q_norm", s.D), ("k_norm", s.D)):
            self.register_buffer(name, torch.ones(n))

    def forward(self, x, cos, sin, cache=None, pos=0):
        """x: (B,T,C); cache: (k, v) each (B,KV,S,D), written at [pos, pos+T) and attended up to pos+T."""
        s = self.s
        B, T, _ = x.shape
        h = rms_norm(x, self.in_norm, s.eps)
        q = rms_norm(self.q(h).view(B, T, s.H, s.D), self.q_norm, s.eps).transpose(1, 2)
        k = rms_norm(self.k(h).view(B, T, s.KV, s.D), self.k_norm, s.eps).transpose(1, 2)
        v = self.v(h).view(B, T, s.KV, s.D).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if cache is not None:
            cache[0][:, :, pos : pos + T] = k
            cache[1][:, :, pos : pos + T] = v
            k, v = cache[0][:, :, : pos + T], cache[1][:, :, : pos + T]
        S = k.shape[2]
        G = s.H // s.KV
        # Grouped-query attention without repeating K and V: (B,KV,G·T,D) queries per kv head.
        qg = q.reshape(B, s.KV, G * T, s.D)
        scores = qg @ k.transpose(-1, -2) / math.sqrt(s.D)
        if T > 1:
            qpos = torch.arange(T).repeat(G) + (S - T)
            scores = scores.masked_fill(torch.arange(S)[None, :] > qpos[:, None], float("-inf"))
        att = (scores.softmax(-1) @ v).view(B, s.H, T, s.D).transpose(1, 2).reshape(B, T, s.H * s.D)
        x = x + self.o(att)
        h = rms_norm(x, self.post_norm, s.eps)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Qwen3(torch.nn.Module):
    def __init__(self, s, lora=None):
        super().__init__()
        self.s = s
        lora = lora or {}
        self.embed = torch.nn.Parameter(torch.randn(s.V, s.C) * 0.02, requires_grad=False)
        self.layers = torch.nn.ModuleList(Layer(s, lora) for _ in range(s.L))
        self.register_buffer("norm", torch.ones(s.C))
        self.register_buffer("inv_freq", 1.0 / s.theta ** (torch.arange(0, s.D, 2).float() / s.D))

    def rope(self, pos, T):
        f = torch.outer(torch.arange(pos, pos + T).float(), self.inv_freq)
        e = torch.cat((f, f), dim=-1)
        return e.cos(), e.sin()

    def forward(self, ids, caches=None, pos=0, last_only=False):
        """ids: (B,T) → logits (B,T,V), or (B,1,V) with last_only; the head is tied to the embedding."""
        x = F.embedding(ids, self.embed)
        cos, sin = self.rope(pos, ids.shape[1])
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, caches[i] if caches else None, pos)
        if last_only:
            x = x[:, -1:]
        return F.linear(rms_norm(x, self.norm, self.s.eps), self.embed)


def prompts(batch, length):
    """The same ids as bench/decode.ts's prompts()."""
    return torch.tensor([[(b * 7919 + t * 31) % 256 for t in range(length)] for b in range(batch)])


def decode(model, cfg):
    s = model.s
    prompt, steps = cfg["prompt"], cfg["steps"]
    rows = []
    for batch in cfg["batches"]:
        ids = prompts(batch, prompt)

        def run():
            caches = [(torch.zeros(batch, s.KV, prompt + steps, s.D), torch.zeros(batch, s.KV, prompt + steps, s.D)) for _ in range(s.L)]
            t0 = time.perf_counter()
            token = model(ids, caches, 0, last_only=True).argmax(-1)
            t1 = time.perf_counter()
            for i in range(steps):
                token = model(token, caches, prompt + i, last_only=True).argmax(-1)
            return t1 - t0, (time.perf_counter() - t1) / steps

        run()  # warm-up: allocator and oneDNN primitives
        runs = [run() for _ in range(3)]  # medians of three, as bench/decode.ts takes them
        prefill, step = (sorted(r[k] for r in runs)[1] for k in (0, 1))
        rows.append({"batch": batch, "prefillTokensPerS": batch * prompt / prefill, "decodeTokensPerS": batch / step})
    return {"rows": rows}


def train(model, cfg):
    batch, seq = cfg["batch"], cfg["seq"]
    gen = torch.Generator().manual_seed(3)
    ids = torch.randint(0, model.s.V, (batch, seq), generator=gen)
    model.train()

    def step():
        t0 = time.perf_counter()
        logits = model(ids)[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, model.s.V), ids[:, 1:].reshape(-1))
        loss.backward()
        model.zero_grad(set_to_none=True)
        return time.perf_counter() - t0

    step()  # warm-up
    ms = 1000 * min(step() for _ in range(cfg.get("repeats", 1)))
    return {"stepMs": ms, "tokensPerS": batch * seq / (ms / 1000)}


def best_ms(fn, budget_s=0.5, least=3):
    """Fastest of at least `least` calls and as many as fit `budget_s`, after one warm-up."""
    fn()
    times, start = [], time.perf_counter()
    while len(times) < least or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def kernels(cfg):
    """f32 square matmuls a·b and decode products x·Wᵀ (M,K)·(N,K)ᵀ, as bench/kernels.ts times them."""
    squares = []
    for n in cfg["squares"]:
        a, b = torch.randn(n, n), torch.randn(n, n)
        squares.append({"n": n, "ms": best_ms(lambda: a @ b)})
    matvecs = []
    for m, k, n in cfg["matvecs"]:
        x, w = torch.randn(m, k), torch.randn(n, k) * 0.02
        matvecs.append({"M": m, "K": k, "N": n, "ms": best_ms(lambda: F.linear(x, w))})
    return {"squares": squares, "matvecs": matvecs}


def main():
    mode, cfg = sys.argv[1], json.loads(sys.argv[2])
    # Debian's build starts with one OpenMP thread; the GPU side (llvmpipe) uses every core, so does the peer.
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(1)
    if mode == "kernels":
        with torch.inference_mode():
            out = kernels(cfg)
        out.update({"torch": torch.__version__, "threads": torch.get_num_threads()})
        print(json.dumps(out))
        return
    s = Spec(cfg["model"])
    if mode == "decode":
        with torch.inference_mode():
            out = decode(Qwen3(s).eval(), cfg)
    elif mode == "train":
        lora = {"rank": cfg["rank"], "alpha": cfg["alpha"], "dropout": cfg["dropout"]}
        out = train(Qwen3(s, lora), cfg)
    else:
        raise SystemExit(f"unknown mode {mode!r} (decode, train or kernels)")
    out.update({"torch": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
