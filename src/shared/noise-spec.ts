/**
 * Measurement-noise settings as users write them (`--noise`, audit specs):
 *   none                  no noise
 *   gaussian:<sigma>      i.i.d. Gaussian, absolute sigma in measurement units (pixel-length line integrals)
 *   gaussian:<r>%         i.i.d. Gaussian, sigma = r% of the RMS of the sinogram
 *   poisson:<I0>          low-dose transmission noise with I0 photons per detector bin and view
 */
import { UsageError } from './errors';

export type NoiseSpec =
  | { kind: 'none' }
  | { kind: 'gaussian'; sigma: number }
  | { kind: 'gaussian'; relative: number }
  | { kind: 'poisson'; i0: number };

export function parseNoiseSpec(text: string): NoiseSpec {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'none') return { kind: 'none' };
  const m = /^(gaussian|poisson):\s*([0-9.eE+-]+)\s*(%?)$/.exec(t);
  const value = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(value) || value < 0 || (m[1] === 'poisson' && (m[3] === '%' || value <= 0))) {
    throw new UsageError(
      `noise "${text}" not understood: use none, gaussian:<sigma>, gaussian:<percent>% or poisson:<I0> (e.g. gaussian:1%, poisson:1e5)`,
    );
  }
  if (m[1] === 'poisson') return { kind: 'poisson', i0: value };
  return m[3] === '%' ? { kind: 'gaussian', relative: value / 100 } : { kind: 'gaussian', sigma: value };
}

export function describeNoise(n: NoiseSpec): string {
  switch (n.kind) {
    case 'none':
      return 'no noise';
    case 'poisson':
      return `Poisson transmission noise, I0 = ${n.i0.toExponential(2)} photons per bin`;
    case 'gaussian':
      return 'sigma' in n
        ? `Gaussian noise, sigma = ${n.sigma} (measurement units)`
        : `Gaussian noise, sigma = ${(n.relative * 100).toPrecision(3)}% of the sinogram RMS`;
  }
}
