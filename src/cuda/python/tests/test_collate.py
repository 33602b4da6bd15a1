import unittest

from .needs import HAS_TORCH, needs_torch

if HAS_TORCH:
    import torch

    from wgml_cuda.collate import pad_batch, token_loss_sum


@needs_torch
class CollateTest(unittest.TestCase):
    def test_right_padding_with_pad_ids_masked_labels_and_a_mask(self):
        b = pad_batch([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], pad_id=0)
        self.assertEqual(b["input_ids"].tolist(), [[5, 6, 7], [8, 0, 0]])
        self.assertEqual(b["labels"].tolist(), [[-100, 6, 7], [8, -100, -100]])
        self.assertEqual(b["attention_mask"].tolist(), [[1, 1, 1], [1, 0, 0]])

    def test_counted_tokens_are_the_labels_after_the_shift(self):
        # The first label predicts nothing: [8] counts 0, [-100, 6, 7] counts 2.
        self.assertEqual(pad_batch([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}], 0)["counted"], 2)

    def test_an_empty_share_is_one_masked_row(self):
        b = pad_batch([], pad_id=3)
        self.assertEqual((b["input_ids"].tolist(), b["labels"].tolist(), b["counted"]), ([[3]], [[-100]], 0))

    def test_loss_sums_only_counted_positions(self):
        torch.manual_seed(0)
        logits = torch.randn(1, 3, 5)
        labels = torch.tensor([[-100, 2, -100]])
        expected = torch.nn.functional.cross_entropy(logits[0, :1], torch.tensor([2]), reduction="sum")
        self.assertAlmostEqual(float(token_loss_sum(logits, labels)), float(expected), places=6)


if __name__ == "__main__":
    unittest.main()
