// Curve images of a run as PNG (what the Python original writes): one panel per series, stacked,
// each with its axes and quarter gridlines, drawn into an RGB raster and encoded by fast-png. The
// panel's caption and range go in the image's tEXt chunk, since the raster carries no font.
import { encode } from 'fast-png';
import { writeFileAtomic } from '../../src/io/atomic.js';

export interface Series {
  name: string;
  points: readonly [number, number][];
  /** RGB. */
  color: readonly [number, number, number];
  /** Fixed value range (a rate: [0, 1]); default: the values' own. */
  range?: readonly [number, number];
}

const [W, PANEL, PAD] = [640, 240, 32];

class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, [r, g, b]: readonly [number, number, number]): void {
    const [xi, yi] = [Math.round(x), Math.round(y)];
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    this.data.set([r, g, b], (yi * this.width + xi) * 3);
  }

  /** A line by sampling it at every pixel of its longer side, two pixels thick. */
  line(x0: number, y0: number, x1: number, y1: number, color: readonly [number, number, number]): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) {
      const [x, y] = [x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n];
      this.set(x, y, color);
      this.set(x, y + 1, color);
    }
  }
}

function span(values: readonly number[], range?: readonly [number, number]): [number, number] {
  if (range) return [range[0], range[1]];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

function drawPanel(r: Raster, top: number, s: Series, steps: [number, number]): void {
  const grey = [220, 220, 220] as const;
  const [x0, x1, y0, y1] = [PAD, W - PAD, top + PANEL - PAD, top + PAD / 2];
  for (let q = 1; q <= 4; q++) r.line(x0, y0 + ((y1 - y0) * q) / 4, x1, y0 + ((y1 - y0) * q) / 4, grey);
  r.line(x0, y0, x1, y0, [0, 0, 0]);
  r.line(x0, y0, x0, y1, [0, 0, 0]);
  const [v0, v1] = span(s.points.map(([, v]) => v), s.range);
  const px = (step: number) => x0 + ((step - steps[0]) / (steps[1] - steps[0])) * (x1 - x0);
  const py = (v: number) => y0 + ((v - v0) / (v1 - v0)) * (y1 - y0);
  s.points.forEach(([step, v], i) => {
    const prev = s.points[i - 1];
    if (prev) r.line(px(prev[0]), py(prev[1]), px(step), py(v), s.color);
    else r.set(px(step), py(v), s.color);
  });
}

/** PNG bytes of the series, one panel each, sharing the step axis. */
export function curvesPng(series: readonly Series[], title: string): Uint8Array {
  const drawn = series.filter((s) => s.points.length > 0);
  const allSteps = drawn.flatMap((s) => s.points.map(([step]) => step));
  const steps: [number, number] = allSteps.length ? [Math.min(...allSteps), Math.max(...allSteps, Math.min(...allSteps) + 1)] : [0, 1];
  const raster = new Raster(W, PANEL * Math.max(1, drawn.length));
  drawn.forEach((s, i) => drawPanel(raster, i * PANEL, s, steps));
  const captions = drawn.map((s, i) => {
    const [lo, hi] = span(s.points.map(([, v]) => v), s.range);
    return `panel ${i + 1}: ${s.name} (${lo.toPrecision(3)}..${hi.toPrecision(3)})`;
  });
  const text = { Title: title, Description: `${captions.join('; ')}; steps ${steps[0]}..${steps[1]}` };
  return encode({ width: raster.width, height: raster.height, data: raster.data, channels: 3, depth: 8, text });
}

export async function writeCurvesPng(path: string, series: readonly Series[], title: string): Promise<void> {
  await writeFileAtomic(path, curvesPng(series, title));
}
