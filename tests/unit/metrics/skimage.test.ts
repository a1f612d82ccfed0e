import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { psnr, ssim, ssimMapTensor } from '../../../src/main/engine/metrics';
import { psnrRef, ssimRef } from './reference';

/** Written by tests/fixtures/metrics/make_fixtures.py (scikit-image); read here without python. */
interface Fixture {
  versions: Record<string, string>;
  cases: {
    name: string;
    height: number;
    width: number;
    dataRange: number;
    dataRangeFromReference: boolean;
    ref: string;
    test: string;
    psnr: number;
    ssim: number;
    ssimMapCropped: string;
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/metrics/skimage-reference.json', import.meta.url), 'utf8'),
) as Fixture;

function f32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  // Copy into an aligned buffer (little-endian on every platform Node runs on).
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`metrics vs scikit-image ${fixture.versions.skimage} on the ${backend} backend`, () => {
    beforeAll(async () => {
      await initBackend({ backend });
    });

    for (const c of fixture.cases) {
      it(`${c.name}: PSNR, SSIM and the SSIM map`, () => {
        const H = c.height;
        const W = c.width;
        const refData = f32(c.ref);
        const testData = f32(c.test);
        const ref = tf.tensor4d(refData, [1, H, W, 1]);
        const test = tf.tensor4d(testData, [1, H, W, 1]);
        const opts = c.dataRangeFromReference ? {} : { dataRange: c.dataRange };
        const p = psnr(ref, test, opts)[0];
        const s = ssim(ref, test, opts)[0];
        const map = ssimMapTensor(ref, test, opts);
        const got = map.dataSync();
        const want = f32(c.ssimMapCropped);
        let worstMap = 0;
        for (let k = 0; k < want.length; k++) worstMap = Math.max(worstMap, Math.abs(got[k] - want[k]));
        // float32 tf ops vs skimage's float64: measured |dPSNR| < 1e-5 dB, |dSSIM| < 2e-6 (see the report).
        expect(Math.abs(p - c.psnr), `PSNR ${p} vs skimage ${c.psnr}`).toBeLessThan(1e-4);
        expect(Math.abs(s - c.ssim), `SSIM ${s} vs skimage ${c.ssim}`).toBeLessThan(1e-5);
        expect(worstMap, 'SSIM map').toBeLessThan(5e-5);
        // The brute-force float64 reference agrees with skimage to rounding: the two definitions are the same.
        const R = c.dataRange;
        expect(Math.abs(psnrRef(refData, testData, R) - c.psnr)).toBeLessThan(1e-9);
        expect(Math.abs(ssimRef(refData, testData, H, W, R).mean - c.ssim)).toBeLessThan(1e-9);
        tf.dispose([ref, test, map]);
      });
    }
  });
}
