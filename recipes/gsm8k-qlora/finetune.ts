// The gsm8k-qlora training set: question → worked solution as one user/assistant exchange, with
// assistant-only labels from the chat template (the kit's SFT trains on them).
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { assistantOnlyLabels, type LabelledExample } from '../../src/train/labels.js';
import type { GsmRecord } from '../data/gsm8k-records.js';

/** Only the solution (and end of turn) is learned; examples over `maxSeqLen` tokens are dropped. */
export function sftExamples(tokenizer: Tokenizer, records: readonly GsmRecord[], maxSeqLen: number): { examples: LabelledExample[]; dropped: number } {
  const all = records.map((r) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: r.question }, { role: 'assistant', content: r.answer }], { enableThinking: false }));
  const examples = all.filter((e) => e.input_ids.length <= maxSeqLen);
  return { examples, dropped: all.length - examples.length };
}
