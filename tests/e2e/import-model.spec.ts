/**
 * The researcher's own network in the web mode: Models: Import… of a PyTorch-exported ONNX U-Net (the unit-test
 * fixture, tests/fixtures/onnx), refused white-box when an op cannot be mapped (with the node named) and taken
 * black-box instead, then a data-set audit of the imported model next to FBP with its rho-hat chart and
 * certificates. Needs no reference DICOM data (random phantoms).
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { expect, openApp, ROOT, test } from './fixtures';
import { AuditPage } from './pages/audit-page';
import { TrainPage } from './pages/train-page';

test('import a PyTorch ONNX model and audit it', async ({ page, server, dataDir, shot }) => {
  test.setTimeout(180_000);
  for (const f of ['unet_bn.onnx', 'blackbox_cumsum.onnx']) {
    await cp(path.join(ROOT, 'tests/fixtures/onnx', f), path.join(dataDir, f));
  }
  await openApp(page, server);
  const train = new TrainPage(page);
  await train.goto();

  await train.importNetwork({
    file: path.join(dataDir, 'unet_bn.onnx'),
    name: 'torch-unet',
    size: 32,
    views: 12,
    unit: 'hu',
  });
  const result = page.getByTestId('import-result');
  await expect(result).toContainText('Imported torch-unet: ONNX (pytorch 1.13.0, opset 13), white-box', {
    timeout: 60_000,
  });
  await expect(train.model('torch-unet')).toContainText('imported onnx, white-box');

  // An op the importer cannot map: refused white-box, naming the node; imported black-box.
  await train.importNetwork({
    file: path.join(dataDir, 'blackbox_cumsum.onnx'),
    name: 'cumsum',
    size: 16,
    views: 8,
    unit: 'attenuation',
  });
  const banner = page.getByTestId('import-panel').getByRole('alert');
  await expect(banner).toContainText('CumSum (node "/CumSum")');
  await expect(banner).toContainText('"access": "black-box"');
  await train.importNetwork({
    file: path.join(dataDir, 'blackbox_cumsum.onnx'),
    name: 'cumsum',
    size: 16,
    views: 8,
    unit: 'attenuation',
    access: 'black-box',
  });
  await expect(result).toContainText('black-box', { timeout: 60_000 });
  await expect(train.model('cumsum')).toContainText('imported onnx, black-box');
  await shot('models-import');

  await page.getByTestId('nav-audit').click();
  await page.getByTestId('tab-folder').click();
  await page.getByTestId('fa-name').fill('imported-audit');
  // Imported models are described by what they are (no training method or preset).
  await expect(page.getByTestId('fa-models')).toContainText('torch-unet (imported onnx, white-box)');
  await page.getByTestId('fa-models').getByLabel('torch-unet').check();
  await page.getByTestId('fa-max').fill('2');
  await new AuditPage(page).configure({ eps: '1%, 2%', steps: 3, samples: 8 });
  await page.getByTestId('fa-run').click();
  const results = page.getByTestId('fa-results');
  await expect(results).toBeVisible({ timeout: 150_000 });
  await expect(results).toContainText('imported-audit: 2 slice(s), 2 model(s)');
  await expect(results).toContainText('torch-unet');
  await expect(page.getByTestId('fa-chart')).toBeVisible();
  await expect(page.getByTestId('fa-cert').locator('tbody tr')).not.toHaveCount(0);
  await shot('audit-imported');
});
