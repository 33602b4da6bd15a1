import os
import tempfile
import unittest

from wgml_cuda.metrics import MetricsWriter, progress_line

from .fixtures import read_rows


class MetricsTest(unittest.TestCase):
    def test_rows_have_wgmls_fields_in_wgmls_order(self):
        d = tempfile.mkdtemp()
        MetricsWriter(d).log(1, 2.5, 2e-4, 0.5, 100.0, 0, eval_loss=2.25)
        row = read_rows(os.path.join(d, "metrics.jsonl"))[0]
        self.assertEqual(list(row), ["step", "loss", "lr", "gradNorm", "tokensPerS", "gpuMemoryBytes", "evalLoss", "time"])
        self.assertRegex(row["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_resume_keeps_rows_through_the_step_and_drops_a_torn_row(self):
        d = tempfile.mkdtemp()
        w = MetricsWriter(d)
        for s in (1, 2, 3):
            w.log(s, 1.0, 1e-3, 0.1, 1.0, 0)
        with open(w.path, "a", encoding="utf-8") as f:
            f.write('{"step": 4, "lo')
        MetricsWriter(d, resume_from=2)
        steps = [r["step"] for r in read_rows(w.path)]
        self.assertEqual(steps, [1, 2])

    def test_the_progress_line_reads_as_wgmls(self):
        row = {"step": 12, "loss": 1.23456, "lr": 2e-4, "tokensPerS": 812.4}
        self.assertEqual(progress_line(row, 300, 60.0, 12), "step 12/300 · loss 1.2346 · lr 2.00e-4 · 812 tok/s · ETA 24m00s")


if __name__ == "__main__":
    unittest.main()
