import unittest

from wgml_cuda.order import DataCursor, Rng, micro_batches, micro_count, rank_share, shard, shuffled


class OrderTest(unittest.TestCase):
    def test_mulberry32_matches_wgml_first_draws(self):
        # new Rng(42).next() three times in src/cpu/random.ts.
        r = Rng(42)
        self.assertEqual([r.next() for _ in range(3)], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099])

    def test_shuffle_is_a_permutation(self):
        self.assertEqual(sorted(shuffled(50, Rng(7))), list(range(50)))

    def test_cursor_rolls_over_epochs_with_a_short_last_batch(self):
        c = DataCursor([1, 2, 3, 4, 5], 2, 0, False)
        sizes = [len(c.next()) for _ in range(4)]
        self.assertEqual(sizes, [2, 2, 1, 2])
        self.assertEqual(c.epoch, 1)

    def test_rank_shares_cover_the_step_once(self):
        step = list(range(11))
        shares = [rank_share(step, 4, r) for r in range(4)]
        self.assertEqual([i for s in shares for i in s], step)
        self.assertEqual([len(s) for s in shares], [3, 3, 3, 2])

    def test_every_rank_runs_the_same_number_of_micro_batches(self):
        n = micro_count(11, 4, 2)
        self.assertEqual(n, 2)
        self.assertEqual(micro_batches([9, 10], 2, n), [[9, 10], []])

    def test_shards_match_the_critique_worker_plans(self):
        self.assertEqual([shard(list(range(10)), 3, w) for w in range(3)], [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
        self.assertEqual(shard([0, 1], 4, 3), [])


if __name__ == "__main__":
    unittest.main()
