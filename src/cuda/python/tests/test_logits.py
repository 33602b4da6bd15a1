"""`python -m wgml_cuda logits`: its argument checks, which need no packages."""
import unittest

from wgml_cuda.errors import WorkerError
from wgml_cuda.logits import parse_ids


class LogitsArgsTest(unittest.TestCase):
    def test_ids_are_read_comma_separated(self):
        self.assertEqual(parse_ids("5,17, 42,"), [5, 17, 42])

    def test_a_word_among_the_ids_is_one_error_naming_the_flag(self):
        with self.assertRaisesRegex(WorkerError, r"--ids '5,x': expected token ids separated by commas"):
            parse_ids("5,x")

    def test_no_ids_or_a_negative_id_is_refused(self):
        for text in ("", "3,-1"):
            with self.assertRaisesRegex(WorkerError, r"at least one token id, each >= 0"):
                parse_ids(text)


if __name__ == "__main__":
    unittest.main()
