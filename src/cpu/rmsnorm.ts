// Reference RMSNorm in f64: the oracle for shaders/rmsnorm.wgsl.

/** x: (rows,N), w: (N) → y: (rows,N) = w · (x · rstd), rstd: (rows) = 1/sqrt(mean(x²) + eps) */
export function rmsNormRef(x: Float32Array, w: Float32Array, eps: number): { y: Float32Array; rstd: Float32Array } {
  const n = w.length;
  const rows = x.length / n;
  const y = new Float32Array(x.length);
  const rstd = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < n; c++) sum += x[r * n + c]! ** 2;
    const s = 1 / Math.sqrt(sum / n + eps);
    rstd[r] = s;
    for (let c = 0; c < n; c++) y[r * n + c] = w[c]! * (x[r * n + c]! * s);
  }
  return { y, rstd };
}

/**
 * Undoes rmsNormRef's `y = w · (x · s)`, s recomputed in f64: dx = s·w·dy − x·s³/N·Σ(w·dy·x), dw = Σ_rows dy·x·s.
 * dy, x: (rows,N), w: (N) → dx: (rows,N), dw: (N)
 */
export function rmsNormBackwardRef(dy: Float32Array, x: Float32Array, w: Float32Array, eps: number): { dx: Float32Array; dw: Float32Array } {
  const n = w.length;
  const dx = new Float32Array(x.length);
  const dw = new Float64Array(n);
  for (let r = 0; r < x.length / n; r++) {
    let sq = 0;
    let dot = 0;
    for (let c = 0; c < n; c++) {
      sq += x[r * n + c]! ** 2;
      dot += w[c]! * dy[r * n + c]! * x[r * n + c]!;
    }
    const s = 1 / Math.sqrt(sq / n + eps);
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      dx[i] = s * w[c]! * dy[i]! - (x[i]! * s ** 3 * dot) / n;
      dw[c] += dy[i]! * x[i]! * s;
    }
  }
  return { dx, dw: Float32Array.from(dw) };
}
