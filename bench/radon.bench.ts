/**
 * Radon operator benchmark: forward (A), adjoint (A^T) and FBP at N 128/256/512 with 143 views on the
 * active tfjs backend, side by side with scikit-image `radon` / `iradon` (circle=False: pads to the
 * diagonal, the same ceil(sqrt(2) N) detector bins as our default geometry) run by bench/py/radon_skimage.py
 * when /usr/bin/python3 can import skimage. Also: the ramp-filter paths (tf.matMul with the Toeplitz matrix
 * vs the JS FFT kernel) and accuracy against analytic sinograms for both implementations.
 *
 * Env: CT_AUDIT_BACKEND (tensorflow | wasm | cpu), CT_AUDIT_BENCH_SIZES (e.g. "128,256"), CT_AUDIT_BENCH_REPEATS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { initBackend, tf } from '../src/main/engine/backend';
import { RadonOperator, fbpArray, radonForwardArray } from '../src/main/engine/physics';
import {
  blobsSinogram,
  ellipsesSinogram,
  randomBlobs,
  rasterizeBlobs,
  rasterizeEllipses,
  sheppLoganEllipses,
} from '../src/main/engine/physics/phantoms';
import { readNpy, writeNpy } from '../src/main/engine/io/npy';
import {
  findPython,
  fmtMs,
  fmtRatio,
  peakRssMb,
  printTable,
  runPythonPeer,
  time,
  type Timing,
} from './harness';

const VIEWS = 143;

interface SkTiming {
  median_ms: number;
  min_ms: number;
}

interface SkimageResult {
  skimage: string;
  python: string;
  timings: { size: number; detectors: number; radon: SkTiming; iradon: SkTiming }[];
  accuracy: Record<string, number | null>;
  peak_rss_mb: number;
}

interface OursRow {
  N: number;
  D: number;
  forward: Timing;
  adjoint: Timing;
  fbp: Timing;
  fbpPixel: Timing;
  forwardArray: Timing;
  filterMatmul: Timing;
  filterFft: Timing;
  filterMatmulCpu?: Timing;
  rssMb: number;
}

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}

async function benchOurs(g: Geometry, repeats: number, alsoCpuMatmul: boolean): Promise<OursRow> {
  const N = g.size;
  const op = new RadonOperator(g);
  const img = rasterizeEllipses(sheppLoganEllipses(), N, 1);
  const x = tf.tensor4d(img, [1, N, N, 1]);
  const y = op.forward(x);
  const o = { repeats };
  const run = (f: () => tf.Tensor) => () => f().dispose();
  const forward = await time(
    run(() => op.forward(x)),
    o,
  );
  const adjoint = await time(
    run(() => op.adjoint(y)),
    o,
  );
  const fbp = await time(
    run(() => op.fbp(y)),
    o,
  );
  const fbpPixel = await time(
    run(() => op.fbp(y, { backprojector: 'adjoint' })),
    o,
  );
  const filterMatmul = await time(
    run(() => op.rampFilter(y, { filterImpl: 'matmul' })),
    o,
  );
  const filterFft = await time(
    run(() => op.rampFilter(y, { filterImpl: 'fft' })),
    o,
  );
  const forwardArray = await time(() => radonForwardArray(img, 1, g), o);
  let filterMatmulCpu: Timing | undefined;
  if (alsoCpuMatmul) {
    const active = tf.getBackend();
    await tf.setBackend('cpu');
    const yc = tf.tensor4d(y.dataSync(), y.shape);
    filterMatmulCpu = await time(
      run(() => op.rampFilter(yc, { filterImpl: 'matmul' })),
      o,
    );
    yc.dispose();
    await tf.setBackend(active);
  }
  tf.dispose([x, y]);
  return {
    N,
    D: g.detectors,
    forward,
    adjoint,
    fbp,
    fbpPixel,
    forwardArray,
    filterMatmul,
    filterFft,
    filterMatmulCpu,
    rssMb: peakRssMb(),
  };
}

/** Phantoms and sinograms for the accuracy comparison, written as .npy for the Python peer. */
async function writeAccuracyData(dir: string): Promise<Record<string, number>> {
  const ours: Record<string, number> = {};
  const g256 = makeGeometry({ size: 256, views: VIEWS });
  const blobs = randomBlobs(0);
  const blob = rasterizeBlobs(blobs, 256);
  const blobSino = blobsSinogram(blobs, g256);
  await writeNpy(join(dir, 'blob256.npy'), blob, [256, 256]);
  await writeNpy(join(dir, 'blob256_analytic.npy'), blobSino, [VIEWS, g256.detectors]);
  ours.radon_blob256_rel_l2 = relErr(radonForwardArray(blob, 1, g256), blobSino);
  const e = sheppLoganEllipses();
  const sl256 = rasterizeEllipses(e, 256, 4);
  const sl256Sino = ellipsesSinogram(e, g256);
  await writeNpy(join(dir, 'sl256.npy'), sl256, [256, 256]);
  await writeNpy(join(dir, 'sl256_analytic.npy'), sl256Sino, [VIEWS, g256.detectors]);
  ours.radon_sl256_rel_l2 = relErr(radonForwardArray(sl256, 1, g256), sl256Sino);
  const g512 = makeGeometry({ size: 512, views: VIEWS });
  const sl512 = rasterizeEllipses(e, 512, 4);
  const analytic = ellipsesSinogram(e, g512);
  const projected = radonForwardArray(sl512, 1, g512);
  await writeNpy(join(dir, 'sl512.npy'), sl512, [512, 512]);
  await writeNpy(join(dir, 'sl512_analytic.npy'), analytic, [VIEWS, g512.detectors]);
  await writeNpy(join(dir, 'sl512_projected.npy'), projected, [VIEWS, g512.detectors]);
  ours.iradon_sl512_analytic_rel_rmse = relErr(fbpArray(analytic, 1, g512), sl512);
  ours.iradon_sl512_projected_rel_rmse = relErr(fbpArray(projected, 1, g512), sl512);
  // The default backprojector is 'pixel'; the rows below show the Joseph adjoint A^T for comparison.
  const adjoint = { backprojector: 'adjoint' } as const;
  ours.pixel_sl512_analytic_rel_rmse = relErr(fbpArray(analytic, 1, g512, adjoint), sl512);
  ours.pixel_sl512_projected_rel_rmse = relErr(fbpArray(projected, 1, g512, adjoint), sl512);
  return ours;
}

export async function run(): Promise<void> {
  const info = await initBackend();
  const sizes = (process.env.CT_AUDIT_BENCH_SIZES ?? '128,256,512').split(',').map(Number);
  const repeats = Number(process.env.CT_AUDIT_BENCH_REPEATS ?? 5);
  console.log(
    `backend ${info.backend} (${info.provider}${info.wasm ? `, simd ${info.wasm.simd}, threads ${info.wasm.threadCount}` : ''}), tfjs ${info.versions['tfjs-core']}; ${info.platform}`,
  );
  console.log(
    `parallel beam, ${VIEWS} views, default detector; median of ${Math.max(5, repeats)} runs after 1 warm-up`,
  );

  const ours: OursRow[] = [];
  for (const N of sizes) {
    ours.push(await benchOurs(makeGeometry({ size: N, views: VIEWS }), repeats, info.backend !== 'cpu'));
  }

  const python = findPython(['skimage']);
  let sk: SkimageResult | undefined;
  let oursAcc: Record<string, number> = {};
  let dir: string | undefined;
  if (!python) {
    console.log('\nscikit-image not found (apt-get install python3-skimage); peer columns are empty');
  } else {
    dir = mkdtempSync(join(tmpdir(), 'ct-audit-bench-'));
    oursAcc = await writeAccuracyData(dir);
    const script = fileURLToPath(new URL('./py/radon_skimage.py', import.meta.url));
    sk = await runPythonPeer<SkimageResult>(python, script, [
      '--sizes',
      sizes.join(','),
      '--views',
      String(VIEWS),
      '--repeats',
      String(Math.max(5, repeats)),
      '--data',
      dir,
    ]);
    try {
      const own = await readNpy(join(dir, 'skimage_phantom512.npy'));
      const g512 = makeGeometry({ size: 512, views: VIEWS });
      const ph = own.data as Float32Array;
      const yOwn = radonForwardArray(ph, 1, g512);
      oursAcc.iradon_skimage_pipeline_rel_rmse = relErr(fbpArray(yOwn, 1, g512), ph);
      oursAcc.pixel_skimage_pipeline_rel_rmse = relErr(
        fbpArray(yOwn, 1, g512, { backprojector: 'adjoint' }),
        ph,
      );
    } catch {
      // the peer skipped its own pipeline
    }
  }

  const skAt = (N: number) => sk?.timings.find((t) => t.size === N);
  printTable(
    `Times in ms (ours: tfjs ops on ${info.backend}; peer: scikit-image ${sk?.skimage ?? 'n/a'})`,
    [
      'N',
      'D',
      'A',
      'sk radon',
      'ratio',
      'A^T',
      'FBP',
      'sk iradon',
      'ratio',
      'FBP A^T',
      'A (array)',
      'RSS MB',
      'sk RSS MB',
    ],
    ours.map((r) => {
      const s = skAt(r.N);
      return [
        String(r.N),
        r.D,
        fmtMs(r.forward.medianMs),
        fmtMs(s?.radon.median_ms),
        fmtRatio(s ? r.forward.medianMs / s.radon.median_ms : undefined),
        fmtMs(r.adjoint.medianMs),
        fmtMs(r.fbp.medianMs),
        fmtMs(s?.iradon.median_ms),
        fmtRatio(s ? r.fbp.medianMs / s.iradon.median_ms : undefined),
        fmtMs(r.fbpPixel.medianMs),
        fmtMs(r.forwardArray.medianMs),
        r.rssMb.toFixed(0),
        sk ? sk.peak_rss_mb.toFixed(0) : '-',
      ];
    }),
  );
  console.log(
    'RSS: peak resident set of each process so far (ours includes the tfjs backend and all sizes).',
  );

  printTable(
    'Ramp filter of one [1,143,D,1] sinogram, ms (FBP uses matMul except on cpu, where it uses the FFT)',
    ['N', 'D', `matMul (${info.backend})`, 'FFT kernel (JS)', 'matMul (cpu)'],
    ours.map((r) => [
      String(r.N),
      r.D,
      fmtMs(r.filterMatmul.medianMs),
      fmtMs(r.filterFft.medianMs),
      fmtMs(r.filterMatmulCpu?.medianMs),
    ]),
  );

  if (sk) {
    const rows: [string, string][] = [
      ['radon_blob256_rel_l2', 'A vs analytic, Gaussian blobs seed 0, N 256'],
      ['radon_sl256_rel_l2', 'A vs analytic, Shepp-Logan 4x4, N 256'],
      ['iradon_sl512_analytic_rel_rmse', 'FBP ram-lak, analytic SL sinogram, N 512'],
      ['iradon_sl512_projected_rel_rmse', 'FBP ram-lak, our A x of SL raster, N 512'],
      ['iradon_skimage_pipeline_rel_rmse', "FBP(own A x), skimage's phantom, N 512"],
    ];
    const pixelRows: [string, string, string][] = [
      [
        'pixel_sl512_analytic_rel_rmse',
        'iradon_sl512_analytic_rel_rmse',
        "  same, backprojector 'adjoint' (A^T)",
      ],
      [
        'pixel_sl512_projected_rel_rmse',
        'iradon_sl512_projected_rel_rmse',
        "  same, backprojector 'adjoint' (A^T)",
      ],
      [
        'pixel_skimage_pipeline_rel_rmse',
        'iradon_skimage_pipeline_rel_rmse',
        "  same, backprojector 'adjoint' (A^T)",
      ],
    ];
    printTable(
      `Accuracy (relative L2), ${VIEWS} views: ours vs scikit-image on the same arrays`,
      ['quantity', 'ours', 'scikit-image'],
      rows.flatMap(([k, label]) => {
        const skv = sk?.accuracy[k];
        const main = [
          label,
          oursAcc[k] !== undefined ? oursAcc[k].toFixed(4) : '-',
          typeof skv === 'number' ? skv.toFixed(4) : '-',
        ];
        const extra = pixelRows
          .filter(([, base]) => base === k)
          .map(([pk, , plabel]) => [plabel, oursAcc[pk] !== undefined ? oursAcc[pk].toFixed(4) : '-', '']);
        return [main, ...extra];
      }),
    );
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
