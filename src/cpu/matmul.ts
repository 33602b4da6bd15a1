// Reference matmul in f64 accumulation: the oracle the GPU kernels are measured against.

/** a: (batch,M,K), b: (batch|1,K,N) or (batch|1,N,K) if transB, bias: (N) → (batch,M,N) */
export function matmulRef(
  a: Float32Array,
  b: Float32Array,
  dims: { batch?: number; M: number; K: number; N: number; transB?: boolean; bBatched?: boolean },
  bias?: Float32Array,
): Float32Array {
  const { M, K, N } = dims;
  const batch = dims.batch ?? 1;
  const out = new Float32Array(batch * M * N);
  for (let z = 0; z < batch; z++) {
    const aOff = z * M * K;
    const bOff = dims.bBatched ? z * K * N : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = bias ? bias[n]! : 0;
        for (let k = 0; k < K; k++) {
          const bv = dims.transB ? b[bOff + n * K + k]! : b[bOff + k * N + n]!;
          sum += a[aOff + m * K + k]! * bv;
        }
        out[z * M * N + m * N + n] = sum;
      }
    }
  }
  return out;
}

/**
 * Undoes matmulRef's `sum += a[m,k]·b[k,n]`: dA[m,k] = Σ_n dC[m,n]·b[k,n], dB[k,n] = Σ_m a[m,k]·dC[m,n]
 * (b and dB in b's layout, dB summed over the batch when b is shared), dBias[n] = Σ_m dC[m,n].
 */
export function matmulBackwardRef(
  dC: Float32Array,
  a: Float32Array,
  b: Float32Array,
  dims: { batch?: number; M: number; K: number; N: number; transB?: boolean; bBatched?: boolean },
): { dA: Float32Array; dB: Float32Array; dBias: Float32Array } {
  const { M, K, N } = dims;
  const batch = dims.batch ?? 1;
  const dA = new Float64Array(batch * M * K);
  const dB = new Float64Array(b.length);
  const dBias = new Float64Array(N);
  for (let z = 0; z < batch; z++) {
    const bOff = dims.bBatched ? z * K * N : 0;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        const g = dC[(z * M + m) * N + n]!;
        dBias[n] += g;
        for (let k = 0; k < K; k++) {
          const bi = bOff + (dims.transB ? n * K + k : k * N + n);
          dA[(z * M + m) * K + k] += g * b[bi]!;
          dB[bi] += g * a[(z * M + m) * K + k]!;
        }
      }
    }
  }
  return { dA: Float32Array.from(dA), dB: Float32Array.from(dB), dBias: Float32Array.from(dBias) };
}
