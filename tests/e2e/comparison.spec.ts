/**
 * Issue 11's flow in the web mode: train two tiny models, audit one slice with the DEFAULT settings (S = 100,
 * sigma eps/0.5, eps/1, eps/1.5 at c = 0.99: a certificate exists by construction at every radius > 0), see a
 * certificate (not abstain) for every model, the comparison view with the eps selector, then a data-set audit
 * of the same slice with its PDF. And the comparison view while scrolling: panes kept or recomputed, the
 * counter saying which slice they show, no stale ROI rows; settings kept across views and tabs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatList, DEFAULT_ATTACK, DEFAULT_CERTIFICATION } from '../../src/shared/robustness';
import { copyData, expect, openApp, SCREENSHOTS, test } from './fixtures';
import { AuditPage } from './pages/audit-page';
import { LibraryPage } from './pages/library-page';
import { TrainPage } from './pages/train-page';
import { ViewerPage } from './pages/viewer-page';

test('train tiny models, certify a slice with the defaults, compare them, PDF of a data-set audit', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  // The default settings are the paper's scale (100 steps per radius, S = 100): minutes on two shared cores.
  test.setTimeout(1_800_000);
  const [file] = await copyData(dataDir, 'ct-single/pydicom_ct-small-128x128.dcm');
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(file);
  await library.viewSeries();
  const viewer = new ViewerPage(page);
  await viewer.waitForImage(viewer.reference);

  const train = new TrainPage(page);
  await train.goto();
  for (const [name, method] of [
    ['tiny-a', 'ord'],
    ['tiny-b', 'l2'],
  ]) {
    await train.fill({ name, steps: 6, method });
    await train.start();
    await expect(page.getByTestId('train-summary')).toContainText(`${name}: 6 steps`, { timeout: 180_000 });
    await expect(train.model(name)).toContainText('complete');
  }
  await expect(train.chart).toBeVisible();

  // "Use in Audit" selects the model in the Audit view; a second one adds to the selection.
  const audit = new AuditPage(page);
  await train.model('tiny-a').getByRole('button', { name: 'Use in Audit' }).click();
  await expect(audit.view).toBeVisible();
  await expect(audit.model('tiny-a')).toBeChecked();
  await expect(audit.model('tiny-b')).not.toBeChecked();
  await train.goto();
  await train.model('tiny-b').getByRole('button', { name: 'Use in Audit' }).click();
  await expect(audit.model('tiny-a')).toBeChecked();
  await expect(audit.model('tiny-b')).toBeChecked();
  // The geometry is the models' (FBP follows it).
  await expect(page.getByTestId('geometry-fixed')).toContainText('32 px, 12 views');

  // The form starts at the defaults of src/shared/robustness.ts.
  await expect(audit.field('attack', 'eps')).toHaveValue(formatList(DEFAULT_ATTACK.eps));
  await expect(audit.field('attack', 'steps')).toHaveValue(String(DEFAULT_ATTACK.steps));
  await expect(audit.field('certification', 'sigma')).toHaveValue(formatList(DEFAULT_CERTIFICATION.sigma));
  await expect(audit.field('certification', 'samples')).toHaveValue(String(DEFAULT_CERTIFICATION.samples));
  await audit.run(600_000);
  await expect(audit.chart).toBeVisible();
  await expect(audit.sweep).toBeVisible();

  // A certificate, not an abstention, for every model at every radius of the default grid (all > 0).
  await expect(audit.epsOptions).toHaveCount(DEFAULT_ATTACK.eps.length);
  for (let i = 0; i < DEFAULT_ATTACK.eps.length; i++) {
    await audit.selectEps(i);
    await expect(audit.epsOptions.nth(i)).toContainText(DEFAULT_ATTACK.eps[i]);
    await expect(audit.epsOptions.nth(i)).toContainText('HU');
    await expect(audit.certificates).toHaveCount(3);
    for (const m of ['fbp', 'tiny-a', 'tiny-b']) {
      await expect(audit.certificate(m)).toHaveAttribute('data-state', 'certified');
      await expect(audit.certificate(m)).toContainText(/median error ≤ \d+(\.\d)? HU/);
      await expect(audit.certificate(m)).toContainText(/\d+\.\d\d dB/);
    }
  }

  // Reference, FBP and both models side by side: clean, perturbed, smoothed, perturbation.
  for (const id of [
    'cmp-reference',
    'cmp-clean-fbp',
    'cmp-clean-tiny-a',
    'cmp-perturbed-tiny-a',
    'cmp-smoothed-tiny-a',
    'cmp-perturbed-tiny-b',
    'cmp-smoothed-tiny-b',
    'cmp-delta-tiny-b',
  ]) {
    await viewer.waitForImage(page.getByTestId(id));
  }
  await expect(page.getByTestId('cmp-perturbed-tiny-a')).toContainText(
    /PSNR \d+\.\d\d dB · SSIM \d\.\d{3} · RMSE \d+\.\d HU/,
  );
  // The settings fold away so the comparison takes the width.
  await page.getByTestId('audit-settings-hide').click();
  await shot('comparison', audit.comparison);
  await shot('audit-results', audit.results);

  // Signed difference maps against the reference; the ROI on every synced pane.
  await page.getByTestId('show-difference').click();
  await expect(page.getByTestId('cmp-perturbed-tiny-a')).toContainText('perturbed − reference');
  await viewer.waitForImage(page.getByTestId('cmp-perturbed-tiny-a'));
  await viewer.drawRoi(page.getByTestId('cmp-reference'), 0.3, 0.3, 0.7, 0.7);
  const roi = page.getByTestId('comparison-roi').locator('tbody tr');
  // Reference + 3 columns x (clean, perturbed, smoothed); perturbation panes are not synced.
  await expect(roi).toHaveCount(10);
  await audit.selectEps(0);
  await expect(roi).toHaveCount(10);
  await shot('comparison-difference', audit.comparison);
  await page.getByTestId('show-images').click();

  // A data-set audit with the same settings (the form is shared): one slice, its PDF report.
  await audit.goto('folder');
  await expect(audit.model('tiny-a')).toBeChecked();
  await expect(audit.field('attack', 'eps')).toHaveValue(formatList(DEFAULT_ATTACK.eps));
  // The report is the point here, not the defaults again: a lighter run.
  await audit.configure({ eps: '0.5%, 1%', steps: 10, samples: 40 });
  await page.getByTestId('fa-name').fill('e2e-report');
  await page.getByTestId('fa-max').fill('1');
  await page.getByTestId('fa-run').click();
  const results = page.getByTestId('fa-results');
  await expect(results).toBeVisible({ timeout: 600_000 });
  await expect(results).toContainText('e2e-report: 1 slice(s), 3 model(s)');
  await expect(page.getByTestId('fa-chart')).toBeVisible();
  await page.getByTestId('fa-report').click();
  const link = page.getByTestId('fa-download');
  await expect(link).toBeVisible({ timeout: 180_000 });
  const pdf = await page.request.get(new URL((await link.getAttribute('href')) ?? '', server.origin).href);
  expect(pdf.status()).toBe(200);
  const bytes = await pdf.body();
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  // Kept next to the screenshots, to be looked at (pdftoppm) with them.
  await mkdir(SCREENSHOTS, { recursive: true });
  await writeFile(path.join(SCREENSHOTS, 'dataset-report.pdf'), bytes);
  await shot('dataset-report', results);
});

test('scrolling keeps or recomputes the comparison; counter, ROI rows and settings follow', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  test.setTimeout(300_000);
  const [series] = await copyData(dataDir, 'ct-series/pydicom-ct5n-16x16');
  await openApp(page, server);
  const library = new LibraryPage(page);
  await library.open(series);
  await library.viewSeries();
  const viewer = new ViewerPage(page);
  await viewer.waitForImage(viewer.reference);

  const audit = new AuditPage(page);
  await audit.goto('slice');
  await page.getByLabel('image size N').fill('32');
  await page.getByLabel('views', { exact: true }).fill('12');
  await audit.configure({ eps: '1%, 2%', steps: 3, samples: 12, sigma: 'eps/0.5' });
  // A bad entry names the field and blocks the run; fixing it unblocks.
  await audit.field('attack', 'eps').fill('1%, abc');
  await expect(
    page.getByRole('alert').filter({ hasText: 'Radii: "abc" is not a radius' }).first(),
  ).toBeVisible();
  await expect(audit.runButton).toBeDisabled();
  await audit.field('attack', 'eps').fill('1%, 2%');
  await expect(audit.runButton).toBeEnabled();

  // Settings survive a view switch and the tab switch (Pinia).
  await page.getByTestId('nav-library').click();
  await audit.goto('folder');
  await expect(audit.field('attack', 'eps')).toHaveValue('1%, 2%');
  await expect(audit.field('certification', 'samples')).toHaveValue('12');
  await audit.goto('slice');
  await expect(page.getByLabel('image size N')).toHaveValue('32');

  await audit.run();
  // The Viewer opened the series at its middle slice; the panes say which slice they show.
  const counter = page.getByTestId('comparison-slice');
  await expect(counter).toHaveText(/^Slice [1-3] of 5$/);
  const s = Number(/Slice (\d)/.exec((await counter.textContent()) ?? '')?.[1]);
  await viewer.drawRoi(page.getByTestId('cmp-reference'), 0.2, 0.2, 0.8, 0.8);
  const roi = page.getByTestId('comparison-roi').locator('tbody tr');
  await expect(roi).toHaveCount(4); // reference + FBP clean, perturbed, smoothed

  // Next slice: not computed yet, so the panes stay (and say which slice they show).
  await page.getByRole('button', { name: 'Next slice' }).click();
  await expect(page.getByTestId('comparison-elsewhere')).toContainText(`The Viewer is at slice ${s + 1}`);
  await expect(counter).toHaveText(`Slice ${s} of 5`);
  await expect(roi).toHaveCount(4);
  await shot('comparison-kept');
  await page.getByRole('button', { name: `Compute slice ${s + 1}` }).click();
  await expect(counter).toHaveText(`Slice ${s + 1} of 5`, { timeout: 120_000 });
  await expect(page.getByTestId('comparison-elsewhere')).toHaveCount(0);
  await expect(roi).toHaveCount(4);

  // Back: that slice's result is kept, shown at once.
  await page.getByRole('button', { name: 'Previous slice' }).click();
  await expect(counter).toHaveText(`Slice ${s} of 5`);
  await expect(page.getByTestId('comparison-elsewhere')).toHaveCount(0);

  // With "recompute on scroll", a slice without a result is computed by itself.
  await page.getByTestId('comparison-auto').check();
  await page.getByRole('button', { name: 'Next slice' }).click();
  await expect(counter).toHaveText(`Slice ${s + 1} of 5`);
  await page.getByRole('button', { name: 'Next slice' }).click();
  await expect(counter).toHaveText(`Slice ${s + 2} of 5`, { timeout: 120_000 });
  await expect(roi).toHaveCount(4);
  await shot('comparison-scrolled', audit.comparison);
});
