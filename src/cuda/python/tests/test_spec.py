import json
import unittest

from wgml_cuda.errors import SpecError
from wgml_cuda.spec import parse_spec

from .fixtures import generate_spec, train_spec, with_field


class SpecTest(unittest.TestCase):
    def test_a_launcher_train_spec_parses(self):
        self.assertEqual(parse_spec(json.dumps(train_spec("/r")))["train"]["max_steps"], 4)

    def test_a_launcher_generate_spec_parses(self):
        self.assertEqual(parse_spec(json.dumps(generate_spec("/r")))["sampling"]["n"], 2)

    def test_an_unknown_field_is_named(self):
        with self.assertRaisesRegex(SpecError, r"unknown field 'train.lrr'"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "train.lrr", 1)))

    def test_a_missing_field_is_named(self):
        spec = train_spec("/r")
        del spec["lora"]["r"]
        with self.assertRaisesRegex(SpecError, r"missing field 'lora.r'"):
            parse_spec(json.dumps(spec))

    def test_a_wrong_type_is_named(self):
        with self.assertRaisesRegex(SpecError, r"'train.seed' has the wrong type"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "train.seed", "42")))

    def test_a_bool_is_not_an_int(self):
        with self.assertRaisesRegex(SpecError, r"'gpus' has the wrong type"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "gpus", True)))

    def test_an_unknown_choice_lists_the_choices(self):
        with self.assertRaisesRegex(SpecError, r"one of nf4, fp4"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "quantization.format", "q4")))

    def test_another_spec_version_is_refused(self):
        with self.assertRaisesRegex(SpecError, r"spec version 2"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "version", 2)))

    def test_bad_json_is_one_error(self):
        with self.assertRaisesRegex(SpecError, r"not valid JSON"):
            parse_spec("{", "s.json")

    def test_an_adapter_table_is_checked(self):
        with self.assertRaisesRegex(SpecError, r"unknown field 'adapter.scale'"):
            parse_spec(json.dumps(with_field(generate_spec("/r"), "adapter", {"name": "a", "path": "/a", "rank": 8, "scale": 1})))

    def test_trainable_token_rows_parse(self):
        rows = {"indices": [151669, 151670], "tied": True}
        self.assertEqual(parse_spec(json.dumps(with_field(train_spec("/r"), "lora.trainable_tokens", rows)))["lora"]["trainable_tokens"], rows)

    def test_trainable_token_rows_are_required_as_null_when_none(self):
        spec = train_spec("/r")
        del spec["lora"]["trainable_tokens"]
        with self.assertRaisesRegex(SpecError, r"missing field 'lora.trainable_tokens'"):
            parse_spec(json.dumps(spec))

    def test_trainable_token_rows_need_the_tie(self):
        with self.assertRaisesRegex(SpecError, r"missing field 'lora.trainable_tokens.tied'"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "lora.trainable_tokens", {"indices": [5]})))

    def test_an_unknown_field_of_the_token_rows_is_named(self):
        with self.assertRaisesRegex(SpecError, r"unknown field 'lora.trainable_tokens.modules'"):
            parse_spec(json.dumps(with_field(train_spec("/r"), "lora.trainable_tokens", {"indices": [5], "tied": True, "modules": []})))

    def test_token_rows_must_be_distinct_ids(self):
        for ids in ([], [5, 5], [-1], [1.5], [True]):
            with self.subTest(ids=ids), self.assertRaisesRegex(SpecError, r"'lora.trainable_tokens.indices' .*distinct token ids"):
                parse_spec(json.dumps(with_field(train_spec("/r"), "lora.trainable_tokens", {"indices": ids, "tied": False})))


if __name__ == "__main__":
    unittest.main()
