/**
 * `fbp:reconstruct` (one slice -> reference, sinogram, FBP, PSNR/SSIM) and `fbp:series` (the same
 * baseline over every slice of a series, metrics only) in the engine host. The pipeline is the CLI's
 * `reconstruct` (engine/pipeline/fbp-baseline.ts); images go back in HU.
 */
import { GEOMETRY_PRESETS, makeGeometry, type Geometry } from '@shared/geometry';
import { parseNoiseSpec } from '@shared/noise-spec';
import { xArrayToHu } from '@shared/units';
import type {
  FbpReconstructRequest,
  FbpReconstructResult,
  FbpSeriesRequest,
  FbpSeriesResult,
  FbpSeriesRow,
  GeometryChoice,
} from '@shared/ipc';
import { initBackend } from '../../backend';
import { frameToCanonical } from '../../dicom';
import { fbpBaseline, type FbpBaselineResult } from '../../pipeline/fbp-baseline';
import { relativeTo } from './dicom';
import { yieldToEventLoop, type MethodContext } from './context';

export function geometryOf(choice: GeometryChoice): Geometry {
  const preset = GEOMETRY_PRESETS[choice.preset];
  return makeGeometry({
    size: choice.size ?? preset.size,
    views: choice.views ?? preset.views,
    physics: choice.physics,
  });
}

interface SliceFbp {
  r: FbpBaselineResult;
  x: Float32Array;
  spacingMm: [number, number] | null;
  file: string;
}

async function fbpOfSlice(
  seriesKey: string,
  index: number,
  g: Geometry,
  o: Pick<FbpReconstructRequest, 'filter' | 'cutoff' | 'noise' | 'seed'>,
  { store }: MethodContext,
): Promise<SliceFbp> {
  const { series, slice } = store.slice(seriesKey, index);
  const image = await store.image(slice.file);
  const canonical = frameToCanonical(
    image.frames[slice.frameIndex],
    image.meta.rows,
    image.meta.columns,
    g.size,
  );
  const spacing = canonical.spacingMm;
  const r = fbpBaseline(canonical.x, g, {
    filter: o.filter,
    cutoff: o.cutoff,
    noise: parseNoiseSpec(o.noise),
    seed: o.seed,
    pixelSizeMm: spacing ? Math.sqrt(spacing[0] * spacing[1]) : undefined,
  });
  return { r, x: canonical.x, spacingMm: spacing, file: relativeTo(series.base, slice.file) };
}

export async function fbpReconstruct(
  params: FbpReconstructRequest,
  ctx: MethodContext,
): Promise<FbpReconstructResult> {
  const t0 = performance.now();
  const g = geometryOf(params.geometry);
  parseNoiseSpec(params.noise); // a bad spec is a UsageError before any work
  ctx.job.progress({ phase: 'fbp', step: 0, total: 1, message: 'starting the backend' });
  await initBackend();
  ctx.job.throwIfCancelled();
  ctx.job.progress({ phase: 'fbp', step: 0, total: 1, message: `${g.size}x${g.size}, ${g.views} views` });
  await yieldToEventLoop();
  const { r, x, spacingMm } = await fbpOfSlice(params.source.seriesKey, params.source.index, g, params, ctx);
  ctx.job.progress({ phase: 'fbp', step: 1, total: 1 });
  return {
    geometry: g,
    reference: xArrayToHu(x),
    fbp: xArrayToHu(r.fbp),
    sinogram: r.measured,
    psnr: r.psnr,
    ssim: r.ssim,
    dataRange: r.dataRange,
    relativeNoise: r.relativeNoise,
    pixelSpacingMm: spacingMm,
    filter: params.filter,
    cutoff: params.cutoff,
    noise: params.noise,
    seed: params.seed,
    elapsedMs: performance.now() - t0,
  };
}

export async function fbpSeries(params: FbpSeriesRequest, ctx: MethodContext): Promise<FbpSeriesResult> {
  const t0 = performance.now();
  const g = geometryOf(params.geometry);
  parseNoiseSpec(params.noise);
  const n = ctx.store.get(params.seriesKey).slices.length;
  ctx.job.progress({ phase: 'fbp series', step: 0, total: n, message: 'starting the backend' });
  await initBackend();
  const rows: FbpSeriesRow[] = [];
  for (let i = 0; i < n; i++) {
    // A cancel message is read while we yield; the check then stops before the next slice.
    await yieldToEventLoop();
    ctx.job.throwIfCancelled();
    const { r, file } = await fbpOfSlice(params.seriesKey, i, g, params, ctx);
    rows.push({ index: i, file, psnr: r.psnr, ssim: r.ssim });
    ctx.job.progress({
      phase: 'fbp series',
      step: i + 1,
      total: n,
      metrics: { psnr: r.psnr, ssim: r.ssim },
      message: file,
    });
  }
  const mean = (f: (r: FbpSeriesRow) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  return {
    geometry: g,
    rows,
    meanPsnr: mean((r) => r.psnr),
    meanSsim: mean((r) => r.ssim),
    elapsedMs: performance.now() - t0,
  };
}
