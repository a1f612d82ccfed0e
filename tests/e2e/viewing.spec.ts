/**
 * Viewing and FBP in the web mode: a real CT file from the DICOM test set, the slice on a canvas,
 * window presets, HU readout, ROI statistics, and an FBP reconstruction with PSNR/SSIM.
 */
import path from 'node:path';
import { copyData, expect, openApp, test } from './fixtures';
import { LibraryPage } from './pages/library-page';
import { ViewerPage } from './pages/viewer-page';

test('open a real CT file, see the slice and change the window preset', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  const [file] = await copyData(dataDir, 'ct-single/ctimage_explicit-vr-le.dcm');
  await openApp(page, server);
  const library = new LibraryPage(page);
  const scan = await library.open(file);
  await expect(scan.getByTestId('scan-summary')).toHaveText(/1 file\(s\): 1 series, 0 unusable/);
  await expect(library.series).toHaveCount(1);
  await expect(library.series.first()).toContainText('512 × 512 px');
  // De-identified: a derived 2.25 UID, no patient fields.
  await expect(library.series.first()).toContainText('2.25.');
  await shot('library');

  await library.viewSeries();
  const viewer = new ViewerPage(page);
  await expect(viewer.view).toBeVisible();
  const soft = await viewer.waitForImage(viewer.reference);
  await viewer.choosePreset('soft-tissue');
  await expect(viewer.reference).toHaveAttribute('data-window', '40/400');
  const softTissue = await viewer.canvasStats(viewer.reference);
  await shot('viewer-soft-tissue');
  await viewer.choosePreset('bone');
  await expect(viewer.reference).toHaveAttribute('data-window', '480/2500');
  const bone = await viewer.canvasStats(viewer.reference);
  // A wider, higher window makes soft tissue darker: the picture really changed.
  expect(Math.abs(bone.mean - softTissue.mean)).toBeGreaterThan(2);
  expect(soft.levels).toBeGreaterThan(8);
  await shot('viewer-bone');

  // HU under the cursor: the centre of a body CT is tissue (not air).
  const text = await viewer.readoutAt(viewer.reference, 0.5, 0.5);
  const hu = Number(/(-?\d+)\s*HU/.exec(text)?.[1]);
  expect(hu).toBeGreaterThan(-200);
  expect(hu).toBeLessThan(400);
});

test('reconstruct with FBP and compare reference, FBP and their difference', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  const [file] = await copyData(dataDir, 'ct-single/pydicom_ct-small-128x128.dcm');
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(path.dirname(file));
  await library.viewSeries();
  const viewer = new ViewerPage(page);
  await viewer.waitForImage(viewer.reference);
  await viewer.configureFbp({ preset: 'demo', noise: 'gaussian:1%', filter: 'hann' });
  const { psnr, ssim } = await viewer.reconstruct();
  expect(psnr).toBeGreaterThan(15);
  expect(psnr).toBeLessThan(60);
  expect(ssim).toBeGreaterThan(0.2);
  expect(ssim).toBeLessThanOrEqual(1);
  for (const pane of [viewer.reference, viewer.fbp, viewer.diff, viewer.sinogram])
    await viewer.waitForImage(pane);
  await expect(page.getByTestId('colorbar')).toBeVisible();

  // The cursor readout shows up in every synchronized pane at once.
  await viewer.readoutAt(viewer.fbp, 0.5, 0.5);
  await expect(viewer.reference.getByTestId('readout')).toContainText('HU');
  await expect(viewer.diff.getByTestId('readout')).toContainText('HU');

  await viewer.drawRoi(viewer.reference, 0.4, 0.4, 0.6, 0.6);
  const roi = page.getByTestId('roi-stats');
  await expect(roi).toBeVisible();
  await expect(roi.locator('tbody tr')).toHaveCount(3);
  await shot('viewer-fbp');
});
