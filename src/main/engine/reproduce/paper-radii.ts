/**
 * The papers' perturbation radii in their own units, translated into the two scales this project reports
 * (src/shared/eps.ts): relative size eps / ||clean signal|| and HU-equivalent per-pixel RMS.
 *
 * A radius is an l2 norm in the space it lives in. Its image-equivalent per-pixel RMS is eps / ||A||_F in
 * measurement space (||A||_F^2 = E ||A z||^2 for unit white image noise z, as eps.ts defines "HU") and
 * eps / sqrt(n) in image space. To put natural-image radii on the CT scale we read the images' data range as
 * 1000 HU (air to water, the contrast that fills a CT slice): HU-equivalent = 1000 x RMS / range. That is an
 * assumption made to compare magnitudes, not a physical equivalence; the relative size needs the data's norms,
 * so it is given only where the data's pixel statistics are published (MNIST) and marked n/a otherwise.
 *
 * papers/000 (section 4, Figures 2-3): MNIST and CelebA in [-1, 1], y = A x with A_ij ~ N(0, 1/m), so
 * E ||A x||^2 = ||x||^2 and ||A||_F^2 = n. MNIST's pixel mean 0.1307 and standard deviation 0.3081 on [0, 1]
 * are the published constants every MNIST pipeline normalizes with: on [-1, 1] (x = 2p - 1),
 * E x^2 = 4 (s^2 + m^2) - 4 m + 1 = 0.9236, so ||x|| = sqrt(784 x 0.9236) = 26.9.
 * papers/002 (Appendix B, Table 1): image-space radii on 256 x 256 images in [0, 1] whose values read as
 * 0..255 grey levels per pixel (smoothing.ts explains the reading): per-pixel RMS = eps / 255 of the range.
 */

export interface PaperRadius {
  paper: string;
  /** Where the numbers are printed. */
  where: string;
  /** The radii as the paper gives them. */
  radii: number[];
  /** The training radius, when the paper states one. */
  trainRadius: number | null;
  /** Perturbation space and data, in words. */
  setting: string;
  /** Relative size eps / ||signal|| per radius (null: the data's norms are unknown here). */
  relative: (number | null)[];
  /** HU-equivalent per-pixel RMS per radius (data range read as 1000 HU). */
  hu: number[];
  /** How relative and hu were computed. */
  how: string;
}

/** MNIST's published pixel statistics on [0, 1] (torchvision's Normalize((0.1307,), (0.3081,))). */
export const MNIST_PIXEL_MEAN = 0.1307;
export const MNIST_PIXEL_STD = 0.3081;

/** ||x|| of an average MNIST digit on [-1, 1] (file comment). */
export function mnistNorm(): number {
  const m = MNIST_PIXEL_MEAN;
  const s = MNIST_PIXEL_STD;
  return Math.sqrt(784 * (4 * (s * s + m * m) - 4 * m + 1));
}

/** HU-equivalent of a per-pixel RMS on a data range (range read as 1000 HU). */
export function rmsToHu(rms: number, range: number): number {
  return (1000 * rms) / range;
}

/** The radii of papers/000 and papers/002 (file comment), translated. */
export function paperRadii(): PaperRadius[] {
  const mnist = [1, 2, 3];
  const celeba = [2, 5, 10];
  const denoise = [5, 10, 15];
  const cs = [1, 4, 7];
  return [
    {
      paper: 'papers/000',
      where: 'section 4, Figure 2 (MNIST, eps = 1.0, 2.0, 3.0; trained with eps = 2)',
      radii: mnist,
      trainRadius: 2,
      setting: 'measurement y = A x, A 100 x 784 Gaussian N(0, 1/m), images in [-1, 1]',
      relative: mnist.map((e) => e / mnistNorm()),
      hu: mnist.map((e) => rmsToHu(e / Math.sqrt(784), 2)),
      how: `relative: eps / ||x||, ||x|| = ${mnistNorm().toFixed(1)} from MNIST's published pixel mean/std; HU: eps / ||A||_F = eps / 28 per pixel on a range of 2`,
    },
    {
      paper: 'papers/000',
      where: 'section 4, Figure 3 (CelebA, eps = 2, 5, 10; trained with eps = 3)',
      radii: celeba,
      trainRadius: 3,
      setting: 'measurement y = A x, A 1000 x 12288 Gaussian N(0, 1/m), 64 x 64 x 3 images in [-1, 1]',
      relative: celeba.map(() => null),
      hu: celeba.map((e) => rmsToHu(e / Math.sqrt(12288), 2)),
      how: 'relative: n/a (CelebA is not available here); HU: eps / sqrt(12288) per pixel on a range of 2',
    },
    {
      paper: 'papers/002',
      where: 'Table 1(a) and Appendix B (denoising, eps in [0, 15]; trained with eps = 5)',
      radii: denoise,
      trainRadius: 5,
      setting: 'image x + xi, A = I, 256 x 256 images, eps in 0..255 grey levels per pixel',
      relative: denoise.map(() => null),
      hu: denoise.map((e) => rmsToHu(e / 255, 1)),
      how: 'relative: n/a (BSD68 is not available here); HU: eps / 255 of the range per pixel',
    },
    {
      paper: 'papers/002',
      where: 'Table 1(b) and Appendix B (compressed sensing, eps in [0, 7]; trained with eps = 1)',
      radii: cs,
      trainRadius: 1,
      setting: 'image x + xi, Gaussian A with m/n = 0.1, 256 x 256 images, grey levels per pixel',
      relative: cs.map(() => null),
      hu: cs.map((e) => rmsToHu(e / 255, 1)),
      how: 'relative: n/a (Set11 is not available here); HU: eps / 255 of the range per pixel',
    },
  ];
}
