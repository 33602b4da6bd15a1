// Both backends train on the same tokens: the JSONL the launcher writes holds wgml's own ids and
// assistant-only −100 masks, the worker walks it in the WebGPU trainer's order, and its padded
// batches equal padBatch's, row for row and mask for mask.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/cpu/random.js';
import { readExamples, writeExamples } from '../../src/cuda/pretokenized.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { lengthGrouped, padBatch, shuffled } from '../../src/train/batches.js';
import { assistantOnlyLabels, type LabelledExample } from '../../src/train/labels.js';
import { PYTHON, python, TORCH_PYTHON, TRIED } from './python.js';

const QUESTIONS = ['What is 2 + 3?', 'Name a prime above 10.', 'Spell cat backwards.', 'How many legs has a spider?', 'Is 91 prime?', 'Half of 18?', 'Capital of France?'];
let examples: LabelledExample[];
let file: string;
let padId: number;

beforeAll(async () => {
  const tokenizer = await loadTokenizer('models/qwen3-tiny');
  padId = tokenizer.padTokenId ?? 0;
  examples = QUESTIONS.map((q, i) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: q }, { role: 'assistant', content: `Answer ${i}: ${'step '.repeat(i)}done.` }], { enableThinking: false }));
  file = join(await mkdtemp(join(tmpdir(), 'wgml-cuda-tok-')), 'train.jsonl');
  await writeExamples(file, examples);
});

/** The WebGPU trainer's first-epoch order (trainer.ts DataCursor) for seed 42, batch 2, grouped by length. */
const webgpuOrder = () => lengthGrouped(shuffled(examples.length, new Rng(42)), examples.map((e) => e.input_ids.length), 2);

describe('pre-tokenized training file', () => {
  it('reads back to the same ids and −100 masks', async () => {
    expect(await readExamples(file)).toEqual(examples);
    expect(examples.every((e) => e.labels.includes(-100) && e.labels.some((l) => l >= 0))).toBe(true);
  });
});

describe.skipIf(PYTHON === null)(`the worker reads it as wgml does (${PYTHON ?? `skipped: none of ${TRIED} is Python 3.10+`})`, () => {
  it('in the WebGPU trainer order, with the same counted tokens', () => {
    const out = JSON.parse(python(PYTHON!, `import json, sys
from wgml_cuda.data import read_examples, counted_tokens
from wgml_cuda.order import DataCursor
rows = read_examples(${JSON.stringify(file)})
c = DataCursor([len(r["input_ids"]) for r in rows], 2, 42, True)
print(json.dumps({"order": [i for _ in range(4) for i in c.next()], "counted": [counted_tokens(r["labels"]) for r in rows], "rows": rows}))`)) as { order: number[]; counted: number[]; rows: LabelledExample[] };
    expect(out.rows).toEqual(examples);
    expect(out.order).toEqual(webgpuOrder());
    expect(out.counted).toEqual(examples.map((e) => padBatch([e], padId).counted));
  });
});

describe.skipIf(TORCH_PYTHON === null)(`the worker's batches (${TORCH_PYTHON ?? `skipped: none of ${TRIED} has torch; apt-get install python3-torch`})`, () => {
  it('pad each wgml micro-batch exactly as padBatch does', () => {
    const order = webgpuOrder();
    const micro = [order.slice(0, 2), order.slice(2, 4), order.slice(4, 6), order.slice(6)];
    const out = JSON.parse(python(TORCH_PYTHON!, `import json
from wgml_cuda.data import read_examples
from wgml_cuda.collate import pad_batch
rows = read_examples(${JSON.stringify(file)})
out = []
for ids in ${JSON.stringify(micro)}:
    b = pad_batch([rows[i] for i in ids], ${padId})
    out.append({"inputIds": sum(b["input_ids"].tolist(), []), "labels": sum(b["labels"].tolist(), []), "B": b["input_ids"].shape[0], "T": b["input_ids"].shape[1], "counted": b["counted"]})
print(json.dumps(out))`)) as unknown[];
    expect(out).toEqual(micro.map((ids) => padBatch(ids.map((i) => examples[i]!), padId)));
  });
});
