// Leaf states: strings (escapes and UTF-8 checked byte by byte), numbers and exact literals.
import { fork, State } from './state.js';

const NO_LIMITS = { minLength: 0, maxLength: Infinity };

/** Where a string's closing quote leads: a value's continuation, or an object key resolver. */
export interface StringEnd {
  close(text: string | null, length: number): State | null;
}

export class ValueStringEnd implements StringEnd {
  constructor(private readonly cont: State, private readonly limits = NO_LIMITS) {}
  close(_text: string | null, length: number): State | null {
    return length >= this.limits.minLength ? this.cont : null;
  }
}

/**
 * Inside a string. esc: 0 none, 1 after '\', 2..5 hex digits of \uXXXX seen + 2.
 * need/lo/hi: UTF-8 continuation bytes still due and the range the next one must fall in.
 * text accumulates the raw bytes only when the end needs them (free keys of objects with properties).
 */
export class StringBody extends State {
  constructor(
    private readonly end: StringEnd,
    private readonly maxLength: number,
    private readonly length = 0,
    private readonly esc = 0,
    private readonly need = 0,
    private readonly lo = 0x80,
    private readonly hi = 0xbf,
    private readonly text: string | null = null,
  ) {
    super();
  }

  step(b: number): State | null {
    if (this.need > 0) return b >= this.lo && b <= this.hi ? this.with(this.length, 0, this.need - 1, 0x80, 0xbf, b) : null;
    if (this.esc === 1) return isEscapeChar(b) ? this.with(this.length, b === 0x75 ? 2 : 0, 0, 0x80, 0xbf, b) : null;
    if (this.esc >= 2) return isHex(b) ? this.with(this.length, this.esc === 5 ? 0 : this.esc + 1, 0, 0x80, 0xbf, b) : null;
    if (b === 0x22) return this.end.close(this.text, this.length);
    if (b < 0x20 || this.length >= this.maxLength) return null;
    if (b === 0x5c) return this.text !== null ? null : this.with(this.length + 1, 1, 0, 0x80, 0xbf, b);
    if (b < 0x80) return this.maxLength === Infinity && this.text === null ? this : this.with(this.length + 1, 0, 0, 0x80, 0xbf, b);
    const lead = utf8Lead(b);
    return lead === null ? null : this.with(this.length + 1, 0, lead[0], lead[1], lead[2], b);
  }

  private with(length: number, esc: number, need: number, lo: number, hi: number, b: number): StringBody {
    const text = this.text === null ? null : this.text + String.fromCharCode(b);
    const counted = this.maxLength === Infinity && this.text === null ? 0 : length;
    return new StringBody(this.end, this.maxLength, counted, esc, need, lo, hi, text);
  }
}

export function valueString(cont: State, limits: { minLength: number; maxLength: number }): StringBody {
  return new StringBody(new ValueStringEnd(cont, limits), limits.maxLength);
}

function isEscapeChar(b: number): boolean {
  return b === 0x22 || b === 0x5c || b === 0x2f || b === 0x62 || b === 0x66 || b === 0x6e || b === 0x72 || b === 0x74 || b === 0x75;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/** [continuation bytes, lowest and highest allowed second byte] of a UTF-8 lead byte (no overlongs, no surrogates). */
function utf8Lead(b: number): [number, number, number] | null {
  if (b >= 0xc2 && b <= 0xdf) return [1, 0x80, 0xbf];
  if (b === 0xe0) return [2, 0xa0, 0xbf];
  if (b === 0xed) return [2, 0x80, 0x9f];
  if (b >= 0xe1 && b <= 0xef) return [2, 0x80, 0xbf];
  if (b === 0xf0) return [3, 0x90, 0xbf];
  if (b >= 0xf1 && b <= 0xf3) return [3, 0x80, 0xbf];
  if (b === 0xf4) return [3, 0x80, 0x8f];
  return null;
}

const enum Phase { Sign, Zero, Int, Dot, Frac, Exp, ExpSign, ExpDigits }

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** A JSON number (or integer: no fraction, no exponent); it ends at the first byte that cannot extend it. */
export class NumberState extends State {
  constructor(private readonly integer: boolean, private readonly phase: Phase, private readonly cont: State) {
    super();
  }

  static start(integer: boolean, b: number, cont: State): State | null {
    if (b === 0x2d) return new NumberState(integer, Phase.Sign, cont);
    if (b === 0x30) return new NumberState(integer, Phase.Zero, cont);
    return isDigit(b) ? new NumberState(integer, Phase.Int, cont) : null;
  }

  step(b: number): State | null {
    const next = this.next(b);
    if (next !== undefined) return next === this.phase ? this : new NumberState(this.integer, next, this.cont);
    return this.accepting ? this.cont.step(b) : null;
  }

  override get acceptsEnd(): boolean {
    return this.accepting && this.cont.acceptsEnd;
  }

  private get accepting(): boolean {
    return this.phase === Phase.Zero || this.phase === Phase.Int || this.phase === Phase.Frac || this.phase === Phase.ExpDigits;
  }

  /** The phase after b, or undefined when b is not part of the number. */
  private next(b: number): Phase | undefined {
    const digit = isDigit(b);
    const exp = !this.integer && (b === 0x65 || b === 0x45);
    switch (this.phase) {
      case Phase.Sign: return b === 0x30 ? Phase.Zero : digit ? Phase.Int : undefined;
      case Phase.Zero: return !this.integer && b === 0x2e ? Phase.Dot : exp ? Phase.Exp : undefined;
      case Phase.Int: return digit ? Phase.Int : !this.integer && b === 0x2e ? Phase.Dot : exp ? Phase.Exp : undefined;
      case Phase.Dot: return digit ? Phase.Frac : undefined;
      case Phase.Frac: return digit ? Phase.Frac : exp ? Phase.Exp : undefined;
      case Phase.Exp: return b === 0x2b || b === 0x2d ? Phase.ExpSign : digit ? Phase.ExpDigits : undefined;
      case Phase.ExpSign: return digit ? Phase.ExpDigits : undefined;
      case Phase.ExpDigits: return digit ? Phase.ExpDigits : undefined;
    }
  }
}

/** One of a set of exact JSON texts; pos bytes matched. A number text ends only at the next byte. */
export class Literal extends State {
  constructor(private readonly texts: readonly string[], private readonly pos: number, private readonly cont: State) {
    super();
  }

  step(b: number): State | null {
    const p = this.pos;
    const next = this.texts.filter((t) => t.length > p && t.charCodeAt(p) === b);
    let on: State | null = null;
    if (next.length === 1 && next[0].length === p + 1 && !endsWithDigit(next[0])) on = this.cont;
    else if (next.length > 0) on = new Literal(next, p + 1, this.cont);
    const ended = this.texts.some((t) => t.length === p) ? this.cont.step(b) : null;
    return fork([on, ended]);
  }

  override get acceptsEnd(): boolean {
    return this.texts.some((t) => t.length === this.pos) && this.cont.acceptsEnd;
  }
}

function endsWithDigit(text: string): boolean {
  return isDigit(text.charCodeAt(text.length - 1));
}
