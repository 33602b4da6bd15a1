// The splits a gsm8k-qlora run uses, the same in every step: the few-shot pool (never trained on,
// saved), the dev split for a sweep, the optionally refined and capped training set, the test set.
import { readGsm8k, type GsmRecord } from '../data/gsm8k-records.js';
import { resolveAsset } from '../kit/paths.js';
import type { RunDir } from '../kit/run-dir.js';
import type { Gsm8kQloraConfig } from './config.js';
import { fewShotPool, refineRecords, sampleRecords, without } from './data.js';

export interface Splits {
  pool: GsmRecord[];
  dev: GsmRecord[];
  train: GsmRecord[];
  test: GsmRecord[];
}

export async function makeSplits(c: Gsm8kQloraConfig, run: RunDir): Promise<Splits> {
  const bound = { maxRecordBytes: c.data.max_record_bytes };
  const all = await readGsm8k(resolveAsset(c.data.train_file), bound);
  const test = (await readGsm8k(resolveAsset(c.data.test_file), bound)).slice(0, c.data.test_limit ?? undefined);
  const pool = fewShotPool(all, c.few_shot.pool_size, c.few_shot.seed);
  const rest = without(all, pool);
  const dev = c.sweep.enabled ? sampleRecords(rest, c.sweep.dev_size, c.train.seed + 1) : [];
  let train = without(rest, dev);
  if (c.data.refine) {
    train = refineRecords(train);
    await run.writeJsonl('train_refined.jsonl', train);
  }
  await run.writeJsonl('few_shot_pool.jsonl', pool);
  return { pool, dev, train: sampleRecords(train, c.data.train_limit, c.train.seed), test };
}
