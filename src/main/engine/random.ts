/**
 * Seeded random numbers: the single source of every random draw in the engine (DESIGN.md section 3).
 *
 *   const rng = createRng(seed);   rng.uniform(), rng.normal(), rng.poisson(lambda), rng.fork('noise')
 *
 * Uniforms come from seedrandom's Alea generator (53-bit doubles in [0, 1), fast and well tested). Seeds are
 * numbers or strings; a number seed is used through `String(seed)`, so 42 and '42' give the same stream.
 * Normals use the Marsaglia polar method; Poisson variates are exact for every lambda (multiplication
 * method below 10, Hormann's PTRS transformed rejection above), never a normal approximation.
 */
import seedrandom from 'seedrandom';
import { UsageError } from '@shared/errors';

export type Seed = number | string;

export interface Rng {
  /** The seed this generator was created from (after fork: the derived seed string). */
  readonly seed: string;
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [lo, hi). */
  uniformRange(lo: number, hi: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Integer uniform on {lo, ..., hi} (both included). */
  intRange(lo: number, hi: number): number;
  /** Normal N(mean, std^2). */
  normal(mean?: number, std?: number): number;
  /** Poisson(lambda), exact for every lambda >= 0. */
  poisson(lambda: number): number;
  /** Fill `out` with N(mean, std^2) draws (in index order) and return it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean?: number, std?: number): T;
  /** Fill `out` with uniform draws in [0, 1) and return it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T): T;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[];
  /**
   * An independent generator for a named sub-task, seeded by `${seed}/${label}`. Forking never draws from
   * this generator, so adding a fork does not change the numbers of the parent or of other forks.
   */
  fork(label: string | number): Rng;
}

function checkSeed(seed: Seed): string {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed))
      throw new UsageError(`random: seed must be a finite number or a string, got ${seed}`);
    return String(seed);
  }
  if (typeof seed !== 'string')
    throw new UsageError(`random: seed must be a number or a string, got ${typeof seed}`);
  return seed;
}

/**
 * log Gamma(x) for x > 0 by the Stirling series with recurrence below 7 (the routine numpy uses for its
 * Poisson sampler); absolute error ~1e-15 for the arguments PTRS needs (x = k + 1 >= 1).
 */
export function logGamma(x: number): number {
  const a = [
    8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4,
    8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2,
    1.796443723688307e-1, -1.3924322169059,
  ];
  if (x === 1 || x === 2) return 0;
  const n = x < 7 ? Math.floor(7 - x) : 0;
  let x0 = x + n;
  const x2 = 1 / (x0 * x0);
  let gl0 = a[9];
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
  let gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/** Below this lambda the multiplication method (expected lambda + 1 uniforms) is used, above it PTRS. */
const POISSON_PTRS_THRESHOLD = 10;

function poissonMultiplication(u: () => number, lambda: number): number {
  // Knuth, TAOCP vol. 2, 3.4.1: count uniforms until their product drops below exp(-lambda).
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = u();
  while (p > limit) {
    k++;
    p *= u();
  }
  return k;
}

function poissonPtrs(u: () => number, lambda: number): number {
  // W. Hormann, "The transformed rejection method for generating Poisson random variables",
  // Insurance: Mathematics and Economics 12 (1993) 39-45, algorithm PTRS (constants as published).
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = u() - 0.5;
    const V = u();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    // Accept iff log(V * invalpha / (a / us^2 + b)) <= log of the Poisson pmf at k.
    if (
      Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
      -lambda + k * loglam - logGamma(k + 1)
    ) {
      return k;
    }
  }
}

class SeededRng implements Rng {
  readonly seed: string;
  private readonly next: () => number;
  private spare: number | undefined;

  constructor(seed: string) {
    this.seed = seed;
    const prng = seedrandom.alea(seed);
    // double(): 53 random bits, in [0, 1).
    this.next = () => prng.double();
  }

  uniform(): number {
    return this.next();
  }

  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`random.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  intRange(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new UsageError(`random.intRange: need integers lo <= hi, got ${lo}, ${hi}`);
    }
    return lo + this.int(hi - lo + 1);
  }

  normal(mean = 0, std = 1): number {
    // Marsaglia & Bray (1964) polar method: two normals per accepted point in the unit disc; one is cached.
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + std * z;
    }
    let x: number;
    let y: number;
    let r2: number;
    do {
      x = 2 * this.next() - 1;
      y = 2 * this.next() - 1;
      r2 = x * x + y * y;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.spare = y * f;
    return mean + std * x * f;
  }

  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new UsageError(`random.poisson: lambda must be a finite number >= 0, got ${lambda}`);
    }
    if (lambda === 0) return 0;
    const u = this.next;
    return lambda < POISSON_PTRS_THRESHOLD ? poissonMultiplication(u, lambda) : poissonPtrs(u, lambda);
  }

  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  fillUniform<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.next();
    return out;
  }

  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  fork(label: string | number): Rng {
    return new SeededRng(`${this.seed}/${label}`);
  }
}

/** A generator for `seed` (number or string). Equal seeds give equal streams on every platform. */
export function createRng(seed: Seed): Rng {
  return new SeededRng(checkSeed(seed));
}

/** Accepts either a seed or an existing generator (to continue its stream). */
export function toRng(seedOrRng: Seed | Rng): Rng {
  return typeof seedOrRng === 'object' && seedOrRng !== null ? seedOrRng : createRng(seedOrRng);
}
