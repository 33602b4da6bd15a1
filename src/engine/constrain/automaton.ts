// Values, objects and arrays over the leaf states: a pushdown machine whose stack is the chain of
// continuation states (what follows each open value).
import { type ArrayNode, type ObjectKey, type ObjectNode, type SchemaNode } from './nodes.js';
import { Literal, NumberState, StringBody, type StringEnd, valueString } from './scalars.js';
import { fork, isWs, State } from './state.js';

/** The first byte of a value of `node`, followed by `cont`. */
export function startValue(node: SchemaNode, b: number, cont: State): State | null {
  switch (node.kind) {
    case 'object': return b === 0x7b ? new ObjOpen(new ObjCtx(node, [], cont)) : null;
    case 'array': return b === 0x5b ? new ArrOpen(node, cont) : null;
    case 'string': return b === 0x22 ? valueString(cont, node) : null;
    case 'integer': return NumberState.start(true, b, cont);
    case 'number': return NumberState.start(false, b, cont);
    case 'literal': return new Literal(node.texts, 0, cont).step(b);
    case 'anyOf': return fork(node.options.map((o) => startValue(o, b, cont)));
  }
}

/** Whitespace, then a value of `node`. */
export class ValueStart extends State {
  constructor(private readonly node: SchemaNode, private readonly cont: State) {
    super();
  }
  step(b: number): State | null {
    return isWs(b) ? this : startValue(this.node, b, this.cont);
  }
}

/** An open object: its node, the keys already written and what follows it. */
class ObjCtx implements StringEnd {
  constructor(readonly node: ObjectNode, readonly seen: readonly string[], readonly cont: State) {}

  get canClose(): boolean {
    return this.node.required.every((k) => this.seen.includes(k));
  }

  get canContinue(): boolean {
    return this.node.additional !== null || this.node.keys.some((k) => !this.seen.includes(k.name));
  }

  /** After the key's opening quote. */
  startKey(): State | null {
    if (this.node.additional === null) {
      const keys = this.node.keys.filter((k) => !this.seen.includes(k.name));
      return keys.length === 0 ? null : new KeyLiteral(this, keys, 0);
    }
    // A free key must be compared with the declared ones, so its bytes are kept (and escapes refused).
    return new StringBody(this, Infinity, 0, 0, 0, 0x80, 0xbf, this.node.keys.length > 0 ? '' : null);
  }

  /** A free key closed: a declared property (once), or an additional one. */
  close(text: string | null): State | null {
    const key = text === null ? undefined : this.node.keys.find((k) => k.text === `${text}"`);
    if (key === undefined) return new ObjColon(this, this.node.additional!);
    return this.seen.includes(key.name) ? null : this.withKey(key.name);
  }

  withKey(name: string): State {
    return new ObjColon(new ObjCtx(this.node, [...this.seen, name], this.cont), this.node.properties.get(name)!);
  }
}

/** Inside a key of an object without additional properties: the unseen declared keys still matching. */
class KeyLiteral extends State {
  constructor(private readonly ctx: ObjCtx, private readonly keys: readonly ObjectKey[], private readonly pos: number) {
    super();
  }
  step(b: number): State | null {
    const p = this.pos;
    const keys = this.keys.filter((k) => k.text.charCodeAt(p) === b);
    if (keys.length === 0) return null;
    // The closing quote makes every key text prefix-free: a complete match is the only one left.
    if (keys[0].text.length === p + 1) return this.ctx.withKey(keys[0].name);
    return new KeyLiteral(this.ctx, keys, p + 1);
  }
}

/** After '{'. */
class ObjOpen extends State {
  constructor(private readonly ctx: ObjCtx) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    if (b === 0x7d) return this.ctx.canClose ? this.ctx.cont : null;
    return b === 0x22 ? this.ctx.startKey() : null;
  }
}

/** After a key, before ':'. */
class ObjColon extends State {
  constructor(private readonly ctx: ObjCtx, private readonly value: SchemaNode) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    return b === 0x3a ? new ValueStart(this.value, new ObjNext(this.ctx)) : null;
  }
}

/** After a member's value: ',' or '}'. */
class ObjNext extends State {
  constructor(private readonly ctx: ObjCtx) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    if (b === 0x2c) return this.ctx.canContinue ? new ObjComma(this.ctx) : null;
    return b === 0x7d && this.ctx.canClose ? this.ctx.cont : null;
  }
}

/** After ',' in an object: the next key's opening quote. */
class ObjComma extends State {
  constructor(private readonly ctx: ObjCtx) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    return b === 0x22 ? this.ctx.startKey() : null;
  }
}

/** After '['. */
class ArrOpen extends State {
  constructor(private readonly node: ArrayNode, private readonly cont: State) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    if (b === 0x5d) return this.node.minItems === 0 ? this.cont : null;
    return this.node.maxItems > 0 ? startValue(this.node.items, b, new ArrNext(this.node, 1, this.cont)) : null;
  }
}

/** After an array's count-th element: ',' or ']'. */
class ArrNext extends State {
  constructor(private readonly node: ArrayNode, private readonly count: number, private readonly cont: State) {
    super();
  }
  step(b: number): State | null {
    if (isWs(b)) return this;
    if (b === 0x2c) return this.count < this.node.maxItems ? new ValueStart(this.node.items, new ArrNext(this.node, this.count + 1, this.cont)) : null;
    return b === 0x5d && this.count >= this.node.minItems ? this.cont : null;
  }
}
