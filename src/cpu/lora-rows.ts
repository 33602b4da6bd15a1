// Reference batched multi-adapter LoRA: the oracle for shaders/lora_rows.wgsl.

/** Stacked adapters: A (nA,R,in), B (nA,out,R), one scale each; ranks padded with zeros to R. */
export interface AdapterStack {
  A: Float32Array;
  B: Float32Array;
  scales: Float32Array;
  R: number;
}

/** y: (N,out) + scale_a·B_a·(A_a·x_n) for each row n with adapter a = rows[n] (−1: none), in f64. */
export function loraRowsRef(y: Float32Array, x: Float32Array, rows: readonly number[], s: AdapterStack, inF: number, outF: number): Float32Array {
  const out = Float32Array.from(y);
  rows.forEach((a, n) => {
    if (a < 0) return;
    const h = new Float64Array(s.R);
    for (let j = 0; j < s.R; j++) for (let k = 0; k < inF; k++) h[j]! += s.A[(a * s.R + j) * inF + k]! * x[n * inF + k]!;
    for (let o = 0; o < outF; o++) {
      let sum = 0;
      for (let j = 0; j < s.R; j++) sum += s.B[(a * outF + o) * s.R + j]! * h[j]!;
      out[n * outF + o] = out[n * outF + o]! + s.scales[a]! * sum;
    }
  });
  return out;
}
