import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossCurveSvg } from '../../../recipes/kit/loss-curve.js';
import { appendCsvRow, formatTable, toCsv } from '../../../recipes/kit/report.js';

describe('CSV reports', () => {
  it('quote cells holding commas, quotes or newlines', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x,y', b: 'say "hi"' }])).toBe('a,b\n"x,y","say ""hi"""\n');
  });

  it('write the header once and append one row per call', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'wgml-csv-')), 'summary.csv');
    await appendCsvRow(file, ['run', 'result'], { run: 'a', result: 'PASS' });
    await appendCsvRow(file, ['run', 'result'], { run: 'b', result: 'FAIL' });
    expect(await readFile(file, 'utf8')).toBe('run,result\na,PASS\nb,FAIL\n');
  });
});

describe('the console table', () => {
  it('aligns columns under a rule', () => {
    expect(formatTable(['metric', 'v'], [['accuracy', '1.0%']])).toBe('metric    v\n--------  ----\naccuracy  1.0%');
  });
});

describe('the loss curve', () => {
  it('draws the training loss, and the eval loss where there is one', () => {
    const step = (s: number, loss: number, evalLoss?: number) => ({ step: s, loss, lr: 0, gradNorm: 0, tokensPerS: 0, gpuMemoryBytes: 0, ...(evalLoss === undefined ? {} : { evalLoss }) });
    const svg = lossCurveSvg([step(1, 2), step(2, 1.5, 1.7), step(3, 1)], 'run');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('train loss');
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
