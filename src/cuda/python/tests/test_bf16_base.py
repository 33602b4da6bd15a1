"""A spec without quantization: plain LoRA on the bf16 base, which needs no bitsandbytes."""
import importlib.util
import json
import unittest

from wgml_cuda.args import compute_dtype, describe, dtype_kwargs
from wgml_cuda.errors import MissingPackageError
from wgml_cuda.spec import parse_spec
from wgml_cuda.train import run_train

from .fixtures import train_spec, with_field

BF16 = with_field(train_spec("/r"), "quantization", None)
TRAINING_STACK = ("torch", "transformers", "peft", "accelerate", "safetensors")
STACK_ABSENT = [name for name in TRAINING_STACK if importlib.util.find_spec(name) is None]


class Bf16BaseTest(unittest.TestCase):
    def test_a_spec_with_null_quantization_parses(self):
        self.assertIsNone(parse_spec(json.dumps(BF16))["quantization"])

    def test_the_base_computes_in_bf16(self):
        self.assertEqual(compute_dtype(BF16), "bfloat16")
        self.assertEqual(compute_dtype(with_field(train_spec("/r"), "quantization.compute_dtype", "float16")), "float16")

    def test_check_prints_a_bf16_load_and_checkpointing_without_bitsandbytes(self):
        calls = describe(BF16)
        self.assertNotIn("BitsAndBytesConfig", calls)
        self.assertNotIn("prepare_model_for_kbit_training", calls)
        self.assertIn("AutoModelForCausalLM.from_pretrained(dtype='bfloat16')", calls)
        self.assertIn("model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={'use_reentrant': False})", calls)

    def test_check_prints_no_checkpointing_when_the_spec_turns_it_off(self):
        self.assertNotIn("gradient_checkpointing_enable", describe(with_field(BF16, "train.gradient_checkpointing", False)))

    def test_a_quantized_check_still_prints_bitsandbytes(self):
        self.assertIn("BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4'", describe(train_spec("/r")))

    @unittest.skipUnless(STACK_ABSENT, "the whole training stack is installed: training would go on to look for a GPU")
    def test_training_a_bf16_base_does_not_ask_for_bitsandbytes(self):
        with self.assertRaises(MissingPackageError) as raised:
            run_train(BF16)
        self.assertNotIn("bitsandbytes", str(raised.exception))
        with self.assertRaisesRegex(MissingPackageError, "bitsandbytes"):
            run_train(train_spec("/r"))


class DtypeKeywordTest(unittest.TestCase):
    def test_transformers_4_56_and_later_take_dtype(self):
        self.assertEqual(dtype_kwargs("4.56.0", "bf16"), {"dtype": "bf16"})
        self.assertEqual(dtype_kwargs("5.17.0", "bf16"), {"dtype": "bf16"})
        self.assertEqual(dtype_kwargs("4.57.0.dev0", "bf16"), {"dtype": "bf16"})

    def test_earlier_transformers_take_torch_dtype(self):
        self.assertEqual(dtype_kwargs("4.46.3", "bf16"), {"torch_dtype": "bf16"})


if __name__ == "__main__":
    unittest.main()
