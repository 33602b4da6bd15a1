import unittest

from wgml_cuda.args import describe, lora_args, save_args
from wgml_cuda.deps import REQUIREMENTS
from wgml_cuda.errors import WorkerError
from wgml_cuda.token_rows import check_token_rows, minor_version

from .fixtures import train_spec, with_field

TIED = {"indices": [298, 299], "tied": True}
UNTIED = {"indices": [298, 299], "tied": False}


class LoraConfigTokenRowsTest(unittest.TestCase):
    def test_no_rows_pass_no_trainable_token_indices(self):
        self.assertNotIn("trainable_token_indices", lora_args(train_spec("/r")))

    def test_a_tied_base_gets_the_list_that_peft_ties_to_lm_head(self):
        self.assertEqual(lora_args(with_field(train_spec("/r"), "lora.trainable_tokens", TIED))["trainable_token_indices"], [298, 299])

    def test_an_untied_base_names_both_modules_with_the_same_rows(self):
        args = lora_args(with_field(train_spec("/r"), "lora.trainable_tokens", UNTIED))
        self.assertEqual(args["trainable_token_indices"], {"embed_tokens": [298, 299], "lm_head": [298, 299]})

    def test_check_prints_the_rows_in_the_lora_config(self):
        self.assertIn("trainable_token_indices=[298, 299])", describe(with_field(train_spec("/r"), "lora.trainable_tokens", TIED)))

    def test_adapters_are_saved_without_the_whole_embedding_tables(self):
        self.assertEqual(save_args(), {"safe_serialization": True, "save_embedding_layers": False})


class TokenRowsCheckTest(unittest.TestCase):
    def check(self, rows, version="0.15.2", tied=True, vocab=300):
        check_token_rows(rows, version, tied, vocab, "/m")

    def test_no_rows_need_nothing(self):
        self.check(None, version="0.13.0", tied=False, vocab=1)

    def test_peft_before_0_15_has_no_trainable_token_indices(self):
        with self.assertRaisesRegex(WorkerError, r"peft 0.14.0 has no LoraConfig\(trainable_token_indices"):
            self.check(TIED, version="0.14.0")

    def test_peft_0_16_and_0_17_are_refused_for_an_untied_head_only(self):
        for version in ("0.16.0", "0.17.1"):
            with self.subTest(version=version), self.assertRaisesRegex(WorkerError, r"untied lm_head's token rows .*peft#2863.*install peft 0.18: .*'peft>=0.18,<0.19'"):
                self.check(UNTIED, version=version, tied=False)
            self.check(TIED, version=version)
        for version in ("0.15.2", "0.18.0.dev0"):
            self.check(UNTIED, version=version, tied=False)

    def test_the_pinned_peft_range_admits_a_release_that_trains_an_untied_heads_rows(self):
        # pip takes the newest release in range; one below 0.18 would be refused for untied models.
        with open(REQUIREMENTS, encoding="utf-8") as f:
            line = next(l for l in f if l.startswith("peft"))
        upper = minor_version(line.split("<")[1].strip())
        self.assertGreater(upper, (0, 18), line)

    def test_a_spec_for_another_tie_is_refused(self):
        with self.assertRaisesRegex(WorkerError, r"/m: tie_word_embeddings is False but the spec says lora.trainable_tokens.tied True"):
            self.check(TIED, tied=False)

    def test_ids_outside_the_vocabulary_name_the_enlarged_model(self):
        with self.assertRaisesRegex(WorkerError, r"token ids \[299\] are outside its vocabulary of 299; train on the enlarged model"):
            self.check(TIED, vocab=299)

    def test_versions_read_as_major_minor(self):
        self.assertEqual([minor_version(v) for v in ("0.15.2", "0.18.0rc1", "1.0")], [(0, 15), (0, 18), (1, 0)])


if __name__ == "__main__":
    unittest.main()
