// Reference causal attention with grouped KV heads, in f64: the oracle for shaders/attention.wgsl.

export interface AttentionRefDims {
  B: number;
  T: number;
  H: number;
  KV: number;
  D: number;
  /** Cache positions in k and v. */
  S: number;
}

export interface AttentionRefOptions {
  /** Default S, or pastLength + T when pastLength is given. */
  kvLength?: number;
  /** Default kvLength − T. */
  pastLength?: number;
  /** Per-sequence cache lengths; query t of sequence b sits at kvLengths[b] − T + t. */
  kvLengths?: Int32Array;
  /** Default 1/√D. */
  scale?: number;
}

/** Keys query t of sequence b sees: below its cache length and not after its position. */
function visibleKeys(b: number, t: number, dims: AttentionRefDims, opts: AttentionRefOptions): number {
  let len: number;
  let pos: number;
  if (opts.kvLengths) {
    len = opts.kvLengths[b]!;
    pos = len - dims.T + t;
  } else {
    len = opts.kvLength ?? (opts.pastLength !== undefined ? opts.pastLength + dims.T : dims.S);
    pos = (opts.pastLength ?? len - dims.T) + t;
  }
  return Math.max(0, Math.min(len, pos + 1, dims.S));
}

/**
 * q: (B,T,H,D), k, v: (B,S,KV,D) → out: (B,T,H,D), lse: (B,H,T).
 * softmax(q·kᵀ·scale + causal mask)·v per head; a row that sees no key gives zeros and lse −∞.
 */
export function attentionRef(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  dims: AttentionRefDims,
  opts: AttentionRefOptions = {},
): { out: Float32Array; lse: Float32Array } {
  const { B, T, H, KV, D, S } = dims;
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const out = new Float32Array(B * T * H * D);
  const lse = new Float32Array(B * H * T);
  const p = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvOff = (s: number) => ((b * S + s) * KV + Math.floor(h / (H / KV))) * D;
      for (let t = 0; t < T; t++) {
        const qOff = ((b * T + t) * H + h) * D;
        const n = visibleKeys(b, t, dims, opts);
        let max = -Infinity;
        for (let s = 0; s < n; s++) {
          const kOff = kvOff(s);
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qOff + d]! * k[kOff + d]!;
          p[s] = dot * scale;
          max = Math.max(max, p[s]!);
        }
        let sum = 0;
        for (let s = 0; s < n; s++) {
          p[s] = Math.exp(p[s]! - max);
          sum += p[s]!;
        }
        const acc = new Float64Array(D);
        for (let s = 0; s < n; s++) {
          const vOff = kvOff(s);
          for (let d = 0; d < D; d++) acc[d] += p[s]! * v[vOff + d]!;
        }
        for (let d = 0; d < D; d++) out[qOff + d] = n > 0 ? acc[d]! / sum : 0;
        lse[(b * H + h) * T + t] = n > 0 ? max + Math.log(sum) : -Infinity;
      }
    }
  }
  return { out, lse };
}

/**
 * Undoes attentionRef's `out[qOff + d] = Σ_s p[s]·v[s,d]` (p = softmax of the scaled, masked scores), from the
 * definition in f64: dv[s] += p_s·dOut, dp_s = dOut·v_s, ds_s = p_s·(dp_s − Σ_s' p_s'·dp_s'), dq += scale·ds_s·k_s,
 * dk[s] += scale·ds_s·q. dOut: (B,T,H,D) → dq: (B,T,H,D), dk, dv: (B,S,KV,D) (summed over each kv head's query heads).
 */
export function attentionBackwardRef(
  dOut: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  dims: AttentionRefDims,
  opts: AttentionRefOptions = {},
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { B, T, H, KV, D, S } = dims;
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const dot = (x: Float32Array, xOff: number, y: Float32Array, yOff: number) => {
    let sum = 0;
    for (let d = 0; d < D; d++) sum += x[xOff + d]! * y[yOff + d]!;
    return sum;
  };
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kvOff = (s: number) => ((b * S + s) * KV + Math.floor(h / (H / KV))) * D;
      for (let t = 0; t < T; t++) {
        const qOff = ((b * T + t) * H + h) * D;
        const n = visibleKeys(b, t, dims, opts);
        const scores = Array.from({ length: n }, (_, s) => dot(q, qOff, k, kvOff(s)) * scale);
        const max = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - max));
        const sum = e.reduce((x, y) => x + y, 0);
        const p = e.map((x) => x / sum);
        const dp = p.map((_, s) => dot(dOut, qOff, v, kvOff(s)));
        const rowDot = p.reduce((acc, ps, s) => acc + ps * dp[s]!, 0);
        for (let s = 0; s < n; s++) {
          const ds = p[s]! * (dp[s]! - rowDot);
          for (let d = 0; d < D; d++) {
            dv[kvOff(s) + d] += p[s]! * dOut[qOff + d]!;
            dq[qOff + d] += scale * ds * k[kvOff(s) + d]!;
            dk[kvOff(s) + d] += scale * ds * q[qOff + d]!;
          }
        }
      }
    }
  }
  return { dq: Float32Array.from(dq), dk: Float32Array.from(dk), dv: Float32Array.from(dv) };
}
