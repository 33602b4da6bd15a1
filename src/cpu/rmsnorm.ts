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
