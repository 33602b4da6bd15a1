import os
import tempfile
import unittest

from .fixtures import read_rows, train_spec
from .needs import HAS_TORCH, needs_torch

if HAS_TORCH:
    import torch

    from wgml_cuda.errors import WorkerError
    from wgml_cuda.loop import LocalRuntime, Model, train

V = 11
DATA = [{"input_ids": [1 + (i + k) % 9 for k in range(3 + i % 4)], "labels": [-100] + [1 + (i + k) % 9 for k in range(1, 3 + i % 4)]} for i in range(10)]


def toy(crash_at_call=None):
    """A causal LM small enough for a CPU test: embedding, linear, vocab logits; save/load as an adapter dir."""
    torch.manual_seed(1)
    module = torch.nn.Sequential(torch.nn.Embedding(V, 6), torch.nn.Linear(6, V))
    calls = [0]

    def forward(ids, mask):
        calls[0] += 1
        if crash_at_call is not None and calls[0] == crash_at_call:
            raise KeyboardInterrupt("killed")
        return module(ids)

    def save(d):
        torch.save(module.state_dict(), os.path.join(d, "adapter_model.safetensors"))
        with open(os.path.join(d, "adapter_config.json"), "w") as f:
            f.write("{}")

    def load(d):
        module.load_state_dict(torch.load(os.path.join(d, "adapter_model.safetensors")))

    return Model(module, list(module.parameters()), forward, save, load)


def flat(model):
    return torch.cat([p.detach().flatten() for p in model.params])


@needs_torch
class LoopTest(unittest.TestCase):
    def fit(self, root, model, resume=False, **fields):
        spec = train_spec(root, **fields)
        spec["resume"] = resume
        train(model, LocalRuntime(), DATA, spec, log=lambda _: None)
        return spec

    def test_the_micro_batch_size_does_not_change_the_update(self):
        a, b = toy(), toy()
        self.fit(tempfile.mkdtemp(), a, per_device_batch_size=4, save_every=0)
        self.fit(tempfile.mkdtemp(), b, per_device_batch_size=1, save_every=0)
        self.assertTrue(torch.allclose(flat(a), flat(b), atol=1e-6))

    def test_the_first_loss_is_the_mean_over_the_steps_counted_tokens(self):
        root, model = tempfile.mkdtemp(), toy()
        with torch.no_grad():
            from wgml_cuda.order import DataCursor
            step = [i for mb in DataCursor([len(e["input_ids"]) for e in DATA], 2, 42, True).next_step(2) for i in mb]
            logits = [model.module(torch.tensor([DATA[i]["input_ids"]])) for i in step]
            total = sum(float(torch.nn.functional.cross_entropy(l[0, :-1], torch.tensor(DATA[i]["labels"][1:]), ignore_index=-100, reduction="sum")) for l, i in zip(logits, step))
            counted = sum(len(DATA[i]["labels"]) - 1 for i in step)
        self.fit(root, model, max_steps=1, save_every=0)
        row = read_rows(os.path.join(root, "metrics.jsonl"))[0]
        self.assertAlmostEqual(row["loss"], total / counted, places=5)

    def test_a_killed_run_resumes_to_the_same_weights_and_logs_each_step_once(self):
        whole, root_a = toy(), tempfile.mkdtemp()
        self.fit(root_a, whole)
        root_b = tempfile.mkdtemp()
        # 4 steps × 2 micro-batches: the 5th forward is step 3's first; the checkpoint of step 2 is on disk.
        with self.assertRaises(KeyboardInterrupt):
            self.fit(root_b, toy(crash_at_call=5))
        resumed = toy()
        self.fit(root_b, resumed, resume=True)
        self.assertTrue(torch.allclose(flat(whole), flat(resumed), atol=1e-6))
        steps = [r["step"] for r in read_rows(os.path.join(root_b, "metrics.jsonl"))]
        self.assertEqual(steps, [1, 2, 3, 4])

    def test_the_learning_rate_follows_the_warmup_schedule(self):
        root = tempfile.mkdtemp()
        self.fit(root, toy(), save_every=0)
        lrs = [r["lr"] for r in read_rows(os.path.join(root, "metrics.jsonl"))]
        # linear, 1 warmup step of 4: factors 0, 1, 2/3, 1/3 of 0.05.
        for got, want in zip(lrs, [0.0, 0.05, 0.05 * 2 / 3, 0.05 / 3]):
            self.assertAlmostEqual(got, want)

    def test_a_second_fresh_run_in_the_same_directory_is_refused(self):
        root = tempfile.mkdtemp()
        self.fit(root, toy())
        with self.assertRaisesRegex(WorkerError, "already holds checkpoints"):
            self.fit(root, toy())


if __name__ == "__main__":
    unittest.main()
