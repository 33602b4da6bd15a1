import json
import os
import tempfile
import unittest

from wgml_cuda import checkpoints as ck
from wgml_cuda.errors import WorkerError

from .fixtures import read_text


def write_files(d):
    for name in ("adapter_config.json", "adapter_model.safetensors", "optimizer.pt"):
        open(os.path.join(d, name), "w").close()


class CheckpointsTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()

    def save(self, step, keep=2):
        return ck.save_checkpoint(self.root, {"step": step, "epoch": 0, "dataPosition": step}, write_files, keep)

    def test_only_the_newest_keep_last_remain(self):
        for s in (1, 2, 3):
            self.save(s)
        self.assertEqual(ck.checkpoint_steps(self.root), [2, 3])

    def test_a_corrupt_newest_checkpoint_falls_back_to_the_one_before(self):
        self.save(1)
        self.save(2)
        os.unlink(os.path.join(self.root, "checkpoint-2", "optimizer.pt"))
        notices = []
        directory, state = ck.latest_intact(self.root, notices.append)
        self.assertEqual(state["step"], 1)
        self.assertIn("checkpoint-2", notices[0])

    def test_leftovers_of_a_killed_save_are_removed(self):
        os.makedirs(os.path.join(self.root, "checkpoint-5.tmp-123"))
        self.save(1)
        self.assertNotIn("checkpoint-5.tmp-123", os.listdir(self.root))

    def test_a_fresh_run_refuses_a_directory_with_checkpoints(self):
        self.save(1)
        with self.assertRaisesRegex(WorkerError, "--resume"):
            ck.refuse_overwrite(self.root)

    def test_the_state_is_json_with_step_epoch_and_position(self):
        d = self.save(3)
        self.assertEqual(json.loads(read_text(os.path.join(d, ck.STATE))), {"step": 3, "epoch": 0, "dataPosition": 3})


if __name__ == "__main__":
    unittest.main()
