/**
 * Learned models and audits in the web mode: cancel and resume a training; audit a data set and a batch
 * with the audit runner (results, worst slices in the Viewer, PDF). Training a model and the one-slice audit
 * with its comparison view: comparison.spec.ts.
 */
import { copyData, expect, openApp, test } from './fixtures';
import { AuditPage } from './pages/audit-page';
import { LibraryPage } from './pages/library-page';
import { ShellPage } from './pages/shell-page';
import { TrainPage } from './pages/train-page';
import { ViewerPage } from './pages/viewer-page';

test('cancel a training and resume it from its checkpoint', async ({ page, server, shot }) => {
  await openApp(page, server);
  const train = new TrainPage(page);
  await train.goto();
  await train.fill({ name: 'resumable', steps: 3000 });
  await train.start();
  const shell = new ShellPage(page);
  const job = await shell.cancelWhenRunning(/Train resumable/);
  const cancelledAt = Number(
    /train (\d+)\//.exec((await job.locator('.detail').textContent()) ?? '')?.[1] ?? 0,
  );
  await expect(page.getByText('its checkpoint is kept')).toBeVisible({ timeout: 30_000 });
  const row = train.model('resumable');
  await expect(row).toContainText(/incomplete|cancelled/);
  await shot('train-cancelled');

  await row.getByRole('button', { name: 'Resume' }).click();
  const resumed = shell.job(/Resume resumable/);
  // It continues from the checkpoint written at the cancel, not from step 0.
  const note = page.getByTestId('train-resumed');
  await expect(note).toBeVisible({ timeout: 60_000 });
  const from = Number(/after step (\d+)/.exec((await note.textContent()) ?? '')?.[1]);
  expect(from).toBeGreaterThanOrEqual(Math.max(1, cancelledAt));
  await shot('train-resumed');
  await resumed.getByTestId('job-cancel').click();
  await expect(resumed).toHaveAttribute('data-state', 'cancelled', { timeout: 30_000 });
});

test('audit a data set with the audit runner and open a worst slice in the Viewer', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  await copyData(dataDir, 'ct-single/pydicom_ct-small-128x128.dcm', 'ct-single/ctimage_explicit-vr-le.dcm');
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(dataDir);
  const audit = new AuditPage(page);
  await audit.goto('folder');
  await page.getByTestId('fa-name').fill('e2e-audit');
  await page.getByTestId('fa-max').fill('3');
  await audit.configure({ eps: '1%, 2%', steps: 3, samples: 8 });
  await page.getByTestId('fa-run').click();
  const results = page.getByTestId('fa-results');
  await expect(results).toBeVisible({ timeout: 120_000 });
  await expect(results).toContainText('e2e-audit: 2 slice(s), 1 model(s)');
  await expect(page.getByTestId('fa-chart')).toBeVisible();
  await expect(page.getByTestId('fa-cert').locator('tbody tr')).not.toHaveCount(0);
  await expect(page.getByTestId('fa-list').locator('tr[data-audit="e2e-audit"]')).toContainText('complete');
  await shot('audit-dataset');

  await page.getByTestId('fa-worst').locator('tbody tr').first().click();
  await expect(page.getByTestId('pinned-banner')).toContainText('e2e-audit');
  const viewer = new ViewerPage(page);
  for (const id of ['pane-reference', 'pane-clean', 'pane-perturbed', 'pane-smoothed']) {
    await viewer.waitForImage(page.getByTestId(id));
  }
  await shot('viewer-worst-slice');
});

test('batch: one audit per series of a folder, the files it skipped, its PDF, and a series result', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  test.setTimeout(180_000);
  await copyData(
    dataDir,
    'ct-series/pydicom-ct2-16x16',
    'ct-series/pydicom-ct5n-16x16',
    'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm',
  );
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(dataDir);
  await page.getByTestId('nav-batch').click();
  await expect(page.getByTestId('batch-view')).toBeVisible();
  await page.getByTestId('fa-name').fill('e2e-batch');
  await page.getByTestId('fa-max').fill('1');
  await new AuditPage(page).configure({ eps: '1%', steps: 2, samples: 4 });
  await page.getByTestId('fa-run').click();
  const batch = page.getByTestId('batch-results');
  await expect(batch).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('batch-series-row')).toHaveCount(2);
  await expect(page.getByTestId('batch-problems')).toContainText('truncated-nema-ct1-in-pixeldata-50pct.dcm');
  await expect(page.getByTestId('fa-results')).toContainText('All series of e2e-batch');
  await shot('batch');

  // Export the PDF (the engine's report builder, as `ct-audit report`) and check the file.
  await page.getByTestId('fa-report').click();
  const link = page.getByTestId('fa-download');
  await expect(link).toBeVisible({ timeout: 120_000 });
  const href = (await link.getAttribute('href')) ?? '';
  const pdf = await page.request.get(new URL(href, server.origin).href);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  const bytes = await pdf.body();
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(bytes.length).toBeGreaterThan(10_000);
  // Without the token the report is not served.
  expect((await page.request.get(new URL(href.split('?')[0], server.origin).href)).status()).toBe(401);

  await page.getByTestId('batch-series-row').first().getByRole('button', { name: 'Results' }).click();
  await expect(page.getByTestId('fa-results')).toContainText(/Series \S+ of batch e2e-batch/);
  await expect(page.getByTestId('fa-chart')).toBeVisible();
  await shot('batch-series');
});
