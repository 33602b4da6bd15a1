import json
import os
import tempfile
import unittest

from wgml_cuda.chunks import already_done, chunk_meta, chunk_path, write_chunk
from wgml_cuda.errors import WorkerError

from .fixtures import read_text

SAMPLING = {"n": 2, "temperature": 0.7, "top_p": 1, "top_k": 0, "max_tokens": 16, "stop": [], "seed": 42, "prompt_template": "{problem}"}


class ChunksTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.meta = chunk_meta("tiny", 1, 2, [2, 3], SAMPLING, "0.1.0")
        self.path = chunk_path(self.dir, "tiny", 1)

    def test_the_name_is_the_webgpu_paths(self):
        self.assertEqual(os.path.basename(self.path), "tiny_chunk_1.json")

    def test_a_chunk_is_compact_json_with_meta_then_records(self):
        write_chunk(self.path, self.meta, [{"index": 2, "problem": "p", "answer": "4", "responses": ["a", "b"]}])
        text = read_text(self.path)
        self.assertTrue(text.startswith('{"meta":{"model":"tiny","chunk_id":1,"chunk_size":2,"question_indices":[2,3],"sampling":{"n":2,"temperature":0.7,"top_p":1,'))
        self.assertTrue(text.endswith('"responses":["a","b"]}]}\n'))

    def test_a_finished_chunk_with_the_same_meta_is_skipped_whatever_the_version(self):
        write_chunk(self.path, self.meta, [])
        self.assertTrue(already_done(self.path, {**self.meta, "wgml_version": "9.9.9"}))

    def test_a_chunk_made_with_other_sampling_is_an_error(self):
        write_chunk(self.path, self.meta, [])
        with self.assertRaisesRegex(WorkerError, "other parameters"):
            already_done(self.path, {**self.meta, "sampling": {**SAMPLING, "seed": 7}})

    def test_an_absent_chunk_is_to_do(self):
        self.assertFalse(already_done(self.path, self.meta))

    def test_no_temporary_file_is_left(self):
        write_chunk(self.path, self.meta, [])
        self.assertEqual(os.listdir(self.dir), ["tiny_chunk_1.json"])
        json.loads(read_text(self.path))


if __name__ == "__main__":
    unittest.main()
