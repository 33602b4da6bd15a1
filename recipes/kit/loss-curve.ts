// The loss curve of a run as an SVG image: training loss per step, eval loss where measured.
import { writeFileAtomic } from '../../src/io/atomic.js';
import type { StepMetrics } from '../../src/train/metrics.js';

const [W, H, PAD] = [640, 360, 48];

function polyline(points: readonly [number, number][], color: string): string {
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`;
}

/** SVG text of the curves; axes span the steps and the losses seen. */
export function lossCurveSvg(history: readonly StepMetrics[], title: string): string {
  const steps = history.map((m) => m.step);
  const losses = history.flatMap((m) => (m.evalLoss === undefined ? [m.loss] : [m.loss, m.evalLoss]));
  const [s0, s1] = [Math.min(...steps), Math.max(...steps, Math.min(...steps) + 1)];
  const [l0, l1] = [Math.min(0, ...losses), Math.max(...losses, 1e-6)];
  const x = (s: number) => PAD + ((s - s0) / (s1 - s0)) * (W - 2 * PAD);
  const y = (l: number) => H - PAD - ((l - l0) / (l1 - l0)) * (H - 2 * PAD);
  const train = polyline(history.map((m) => [x(m.step), y(m.loss)]), '#1f77b4');
  const evals = history.filter((m) => m.evalLoss !== undefined);
  const evalLine = evals.length ? polyline(evals.map((m) => [x(m.step), y(m.evalLoss!)]), '#d62728') : '';
  const label = (tx: number, ty: number, text: string, anchor = 'middle') => `<text x="${tx}" y="${ty}" font-size="12" text-anchor="${anchor}">${text}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="black"/><line x1="${PAD}" y1="${PAD}" x2="${PAD}" y2="${H - PAD}" stroke="black"/>
${label(W / 2, 24, title)}${label(W / 2, H - 12, 'step')}${label(PAD, H - PAD + 16, String(s0))}${label(W - PAD, H - PAD + 16, String(s1))}
${label(PAD - 6, y(l1) + 4, l1.toFixed(2), 'end')}${label(PAD - 6, y(l0) + 4, l0.toFixed(2), 'end')}
${train}${evalLine}
${label(W - PAD, PAD, 'train loss', 'end').replace('<text', '<text fill="#1f77b4"')}${evals.length ? label(W - PAD, PAD + 16, 'eval loss', 'end').replace('<text', '<text fill="#d62728"') : ''}
</svg>
`;
}

export async function writeLossCurve(path: string, history: readonly StepMetrics[], title: string): Promise<void> {
  await writeFileAtomic(path, lossCurveSvg(history, title));
}
