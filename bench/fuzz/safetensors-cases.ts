// Mutated safetensors files, each labelled with what the reference (Rust `safetensors`) does
// with it: `invalid` ones it rejects, `valid` ones it loads, `either` where it depends on the bytes.
import { Rng } from '../../src/cpu/random.js';

export type Expectation = 'valid' | 'invalid' | 'either';

export interface Mutant {
  readonly kind: string;
  readonly expect: Expectation;
  readonly bytes: Uint8Array;
}

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string> | null>;

/** The base file: three tensors of three dtypes and metadata, as the reference writer lays them out. */
export function baseFile(): { header: Header; data: Uint8Array } {
  const header: Header = {
    __metadata__: { format: 'pt' },
    w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    b: { dtype: 'BF16', shape: [4], data_offsets: [24, 32] },
    n: { dtype: 'I64', shape: [1], data_offsets: [32, 40] },
  };
  return { header, data: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 0xff) };
}

export function assemble(headerText: string | Uint8Array, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const json = typeof headerText === 'string' ? new TextEncoder().encode(headerText) : headerText;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const tensorNames = (h: Header): string[] => Object.keys(h).filter((k) => k !== '__metadata__');
const entry = (h: Header, name: string) => h[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };

const MUTATORS: readonly ((rng: Rng) => Mutant)[] = [
  (rng) => {
    const { header, data } = baseFile();
    const bytes = assemble(JSON.stringify(header), data);
    bytes[8 + rng.int(bytes.length - 8 - data.length)] ^= 1 << rng.int(8);
    return { kind: 'header-bit-flip', expect: 'either', bytes };
  },
  (rng) => {
    const { header, data } = baseFile();
    const bytes = assemble(JSON.stringify(header), data);
    return { kind: 'truncated', expect: 'invalid', bytes: bytes.subarray(0, rng.int(bytes.length)) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
    return { kind: 'trailing-bytes', expect: 'invalid', bytes: assemble(JSON.stringify(header), new Uint8Array([...data, ...extra])) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const [a, b] = pickTwo(rng, tensorNames(header));
    entry(header, a).data_offsets = [...entry(header, b).data_offsets];
    return { kind: 'aliased-offsets', expect: 'invalid', bytes: assemble(JSON.stringify(header), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const e = entry(header, pick(rng, tensorNames(header)));
    const shift = (1 + rng.int(4)) * (rng.int(2) ? 1 : -1);
    e.data_offsets = [Math.max(0, e.data_offsets[0] + shift), Math.max(0, e.data_offsets[1] + shift)];
    return { kind: 'shifted-offsets', expect: 'invalid', bytes: assemble(JSON.stringify(header), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const name = pick(rng, [...tensorNames(header), '__metadata__']);
    const text = JSON.stringify(header).replace('{', `{${JSON.stringify(name)}:${JSON.stringify(header[name])},`);
    return { kind: 'duplicate-key', expect: 'invalid', bytes: assemble(text, data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const field = pick(rng, ['"dtype":"F32"', '"shape":[2,3]', '"data_offsets":[0,24]']);
    const text = JSON.stringify(header).replace(field, `${field},${field}`);
    return { kind: 'duplicate-field', expect: 'invalid', bytes: assemble(text, data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const literal = pick(rng, ['3.0', '3e0', '0.3e1', '3E0']);
    return { kind: 'float-literal', expect: 'invalid', bytes: assemble(JSON.stringify(header).replace('[2,3]', `[2,${literal}]`), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    entry(header, 'w').dtype = pick(rng, ['I32', 'U32']);
    entry(header, 'b').dtype = pick(rng, ['F16', 'I16', 'U16']);
    entry(header, 'n').dtype = pick(rng, ['F64', 'U64', 'C64']);
    return { kind: 'same-size-dtype', expect: 'valid', bytes: assemble(JSON.stringify(header), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    entry(header, pick(rng, tensorNames(header))).dtype = pick(rng, ['F8_E4M3', 'BOOL', 'U8', 'F4']);
    return { kind: 'other-size-dtype', expect: 'invalid', bytes: assemble(JSON.stringify(header), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    entry(header, pick(rng, tensorNames(header))).dtype = pick(rng, ['F8', 'float32', 'bf16', '']);
    return { kind: 'unknown-dtype', expect: 'invalid', bytes: assemble(JSON.stringify(header), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    header['__metadata__'] = rng.int(2) ? null : { format: 'pt', note: 'x' };
    const names = tensorNames(header);
    const shuffled: Header = { __metadata__: header['__metadata__'] ?? null };
    for (const name of names.sort(() => rng.next() - 0.5)) shuffled[name] = { ...entry(header, name), ...(rng.int(2) ? { extra: 1.5 } : {}) } as never;
    return { kind: 'reordered-null-metadata-extra-fields', expect: 'valid', bytes: assemble(JSON.stringify(shuffled), data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const delta = (1 + rng.int(8)) * (rng.int(2) ? 1 : -1);
    return { kind: 'header-length-off', expect: 'invalid', bytes: assemble(JSON.stringify(header), data, delta) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const text = new TextEncoder().encode(JSON.stringify(header));
    const at = text.indexOf(0x70); // the "p" of "pt": inside a string
    const bad = new Uint8Array([...text.subarray(0, at), pick(rng, [0xc3, 0xe9, 0xff, 0x80]), ...text.subarray(at + 1)]);
    return { kind: 'invalid-utf8', expect: 'invalid', bytes: assemble(bad, data) };
  },
  (rng) => {
    const { header, data } = baseFile();
    const e = entry(header, pick(rng, tensorNames(header)));
    e.shape = pick(rng, [[-1], [2, 2, 2, 2], ['2'], [1e30], [2 ** 40, 2 ** 40]] as never[]);
    return { kind: 'bad-shape', expect: 'invalid', bytes: assemble(JSON.stringify(header), data) };
  },
];

/** Case `index` of the suite for `seed`: the same bytes every run. */
export function safetensorsMutant(seed: number, index: number): Mutant {
  const rng = new Rng(seed * 100_003 + index);
  return MUTATORS[index % MUTATORS.length]!(rng);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function pickTwo<T>(rng: Rng, items: readonly T[]): [T, T] {
  const i = rng.int(items.length);
  const j = (i + 1 + rng.int(items.length - 1)) % items.length;
  return [items[i]!, items[j]!];
}
