/** What the user sees when things go wrong: a broken DICOM file, and a long job cancelled mid-way. */
import { copyData, expect, needDicom, openApp, test } from './fixtures';
import { LibraryPage } from './pages/library-page';
import { ShellPage } from './pages/shell-page';
import { ViewerPage } from './pages/viewer-page';

test('open a broken DICOM file and see the error with its reason', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  await copyData(
    dataDir,
    'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm',
    'broken/ct-no-pixel-data_pydicom-tiny-alpha.dcm',
    'ct-series/pydicom-ct2-16x16',
  );
  await openApp(page, server);
  const library = new LibraryPage(page);
  const scan = await library.open(dataDir);
  await expect(scan.getByTestId('scan-summary')).toHaveText(/1 series, 2 unusable/);
  await expect(library.fileErrors).toHaveCount(2);
  const truncated = library.fileErrors.filter({ hasText: 'truncated-nema-ct1-in-pixeldata-50pct.dcm' });
  await expect(truncated).toContainText('DICOM_TRUNCATED');
  await expect(library.fileErrors.filter({ hasText: 'ct-no-pixel-data' })).toContainText(
    'DICOM_NO_PIXEL_DATA',
  );
  // The good series of the same folder is still usable.
  await expect(library.series).toHaveCount(1);
  await shot('library-errors');

  // A single broken file opened on its own: the same, and no series.
  const single = await library.open(`${dataDir}/truncated-nema-ct1-in-pixeldata-50pct.dcm`);
  await expect(single.getByTestId('scan-summary')).toHaveText(/0 series, 1 unusable/);
  await expect(single.getByTestId('file-error')).toContainText(/truncat/i);
});

test('cancel a running job', async ({ page, server, dataDir, shot }) => {
  needDicom('ct-series/dcm_qa_ct-ge-hispeed-head-tilt');
  const [series] = await copyData(dataDir, 'ct-series/dcm_qa_ct-ge-hispeed-head-tilt');
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(series);
  await library.viewSeries();
  const viewer = new ViewerPage(page);
  await viewer.waitForImage(viewer.reference);
  // 28 slices at 512 px and 143 views: long enough to cancel after the first slices.
  await viewer.configureFbp({ preset: 'paper' });
  await page.getByTestId('run-fbp-series').click();
  const shell = new ShellPage(page);
  const job = await shell.cancelWhenRunning(/FBP of 28 slices/);
  await shot('job-cancelling');
  await expect(job).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 });
  await expect(job).toContainText('cancelled');
  await expect(page.getByTestId('fbp-series')).toHaveCount(0);
  // The panel says so too, and the app stays usable: a slice FBP still runs afterwards.
  await expect(page.getByTestId('fbp-note')).toContainText('Cancelled');
  await shot('job-cancelled');
  await viewer.configureFbp({ preset: 'demo' });
  await viewer.reconstruct();
});
