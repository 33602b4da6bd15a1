// The byte automaton's states: immutable, so a trie walk shares them between tokens with a common
// prefix, and a step that changes nothing returns the same object (no allocation inside strings).

export abstract class State {
  /** The state after one more output byte, or null when that byte cannot continue a valid value. */
  abstract step(b: number): State | null;
  /** The output so far is a whole value: EOS may follow. */
  get acceptsEnd(): boolean {
    return false;
  }
}

/** After the root value: nothing but EOS. */
export class Done extends State {
  step(): null {
    return null;
  }
  override get acceptsEnd(): boolean {
    return true;
  }
}

export const DONE = new Done();

/** Several live readings of the same bytes (anyOf options sharing a first byte). */
export class Fork extends State {
  constructor(readonly alts: readonly State[]) {
    super();
  }
  step(b: number): State | null {
    const next: State[] = [];
    for (const alt of this.alts) {
      const s = alt.step(b);
      if (s !== null) next.push(s);
    }
    return fork(next);
  }
  override get acceptsEnd(): boolean {
    return this.alts.some((a) => a.acceptsEnd);
  }
}

export function fork(alts: (State | null)[]): State | null {
  const flat: State[] = [];
  for (const a of alts) {
    if (a === null) continue;
    for (const s of a instanceof Fork ? a.alts : [a]) if (!flat.includes(s)) flat.push(s);
  }
  return flat.length === 0 ? null : flat.length === 1 ? flat[0] : new Fork(flat);
}

export function isWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** A JS string whose char codes are the UTF-8 bytes of `text`, for charCodeAt comparisons with bytes. */
export function byteString(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}
