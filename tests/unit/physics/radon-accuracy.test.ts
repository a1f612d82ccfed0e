import { describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { radonForwardArray } from '../../../src/main/engine/physics';
import {
  blobsSinogram,
  ellipsesSinogram,
  randomBlobs,
  rasterizeBlobs,
  rasterizeEllipses,
  sheppLoganEllipses,
} from '../../../src/main/engine/physics/phantoms';
import { relErr } from '../helpers/arrays';

// Against the exact line integrals of the colleague's closed forms (phantoms.ts), N 256, 143 views,
// default detector (363 bins at 1 px). scikit-image 0.19.3 `radon(circle=False)` on the same rasters:
// blobs seed 0 2.1% (1.2% quoted in the issue for its blob), Shepp-Logan 4.0%.
describe('forward projection against the analytic Radon transform (N 256, 143 views)', () => {
  const g = makeGeometry({ size: 256, views: 143 });

  for (const seed of [0, 1, 2, 'blob-accuracy']) {
    it(`Gaussian blobs (seed ${seed}): relative L2 error <= 0.5%`, () => {
      const b = randomBlobs(seed);
      const err = relErr(radonForwardArray(rasterizeBlobs(b, 256), 1, g), blobsSinogram(b, g));
      // Measured 0.03-0.07%: what remains is linear interpolation of point samples along the ray.
      expect(err, `seed ${seed}, N 256, 143 views: relative error ${err}`).toBeLessThanOrEqual(0.005);
    });
  }

  it('modified Shepp-Logan rasterized with 4x4 supersampling: relative L2 error <= 4%', () => {
    const e = sheppLoganEllipses();
    const err = relErr(radonForwardArray(rasterizeEllipses(e, 256, 4), 1, g), ellipsesSinogram(e, g));
    // Measured 1.36%: the pixelized edges of the raster, not the projector, dominate.
    expect(err, `N 256, 143 views: relative error ${err}`).toBeLessThanOrEqual(0.04);
  });
});
