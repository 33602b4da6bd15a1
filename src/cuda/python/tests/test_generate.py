"""The parts of the generate command that run before vLLM is imported."""
import os
import tempfile
import unittest

from wgml_cuda.chunks import chunk_meta, chunk_path, write_chunk
from wgml_cuda.args import lora_slot
from wgml_cuda.generate import parse_shard, run_generate

from .fixtures import generate_spec


class GenerateTest(unittest.TestCase):
    def test_shards_parse_as_k_of_w(self):
        self.assertEqual(parse_shard("2/4"), (2, 4))
        with self.assertRaises(ValueError):
            parse_shard("4/4")

    def test_the_lora_slot_is_the_smallest_vllm_rank_that_holds_the_adapter(self):
        self.assertEqual([lora_slot(4), lora_slot(16), lora_slot(17)], [8, 16, 32])

    def test_a_worker_whose_chunks_are_all_done_returns_without_vllm(self):
        root = tempfile.mkdtemp()
        spec = generate_spec(root)
        with open(spec["prompts"], "w", encoding="utf-8") as f:
            for i in range(3):
                f.write(f'{{"index": {i}, "record": {{"index": {i}}}, "prompt_token_ids": [1, 2], "seeds": [1, 2]}}\n')
        os.makedirs(spec["out_dir"])
        # Worker 1 of 2 owns chunk 1 (question 2); its file is already there.
        write_chunk(chunk_path(spec["out_dir"], "tiny", 1), chunk_meta("tiny", 1, 2, [2], spec["sampling"], "0.0.1"), [])
        lines = []
        run_generate(spec, worker=1, workers=2, log=lines.append)
        self.assertIn("0 of 1 chunks to sample", lines[0])


if __name__ == "__main__":
    unittest.main()
