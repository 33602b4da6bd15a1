// Seeded randomness shared by the CPU and the GPU: pcgHash is also in shaders/lib/random.wgsl,
// so a sampler draws the same uniform number on both for the same (seed, counter).

/** PCG-style 32-bit hash (O'Neill's RXS-M-XS output on one LCG step). */
export function pcgHash(x: number): number {
  const state = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Uniform in [0,1) from (seed, counter), with 24 bits so it is exact in f32. */
export function uniformAt(seed: number, counter: number): number {
  return (pcgHash((pcgHash(seed) ^ counter) >>> 0) >>> 8) / 16777216;
}

/** A seeded stream of uniforms and normals (mulberry32), for data order, init and tests. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0,1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  normals(n: number, scale = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * scale;
    return out;
  }

  /** Current state, so a resumed run continues the same stream. */
  get snapshot(): number {
    return this.state;
  }
}
