import { expect, type Locator, type Page } from '@playwright/test';

export interface CanvasStats {
  width: number;
  height: number;
  mean: number;
  /** Number of distinct grey levels: 1 means a blank canvas. */
  levels: number;
}

/** The Viewer: panes (canvases), window presets, FBP panel, ROI, HU readout. */
export class ViewerPage {
  readonly view: Locator;
  readonly reference: Locator;
  readonly fbp: Locator;
  readonly diff: Locator;
  readonly sinogram: Locator;
  readonly preset: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('viewer-view');
    this.reference = page.getByTestId('pane-reference');
    this.fbp = page.getByTestId('pane-fbp');
    this.diff = page.getByTestId('pane-diff');
    this.sinogram = page.getByTestId('pane-sinogram');
    this.preset = page.getByTestId('window-preset');
  }

  /** Waits until a pane has drawn an image (not just its black background). */
  async waitForImage(pane: Locator): Promise<CanvasStats> {
    let stats: CanvasStats | undefined;
    await expect
      .poll(async () => {
        stats = await this.canvasStats(pane);
        return stats.levels;
      })
      .toBeGreaterThan(8);
    return stats!;
  }

  /** Reads the pane's canvas pixels (the canvas is drawn from typed arrays, so it is readable). */
  async canvasStats(pane: Locator): Promise<CanvasStats> {
    return pane
      .locator('canvas')
      .first()
      .evaluate((c: HTMLCanvasElement) => {
        const ctx = c.getContext('2d')!;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let sum = 0;
        const levels = new Set<number>();
        for (let i = 0; i < d.length; i += 4) {
          sum += d[i];
          levels.add(d[i]);
        }
        return { width: c.width, height: c.height, mean: sum / (d.length / 4), levels: levels.size };
      });
  }

  async choosePreset(name: string): Promise<void> {
    await this.preset.selectOption(name);
  }

  /** Moves the mouse to a fraction of a pane's canvas and returns the HU readout text. */
  async readoutAt(pane: Locator, fx: number, fy: number): Promise<string> {
    const box = (await pane.locator('canvas').first().boundingBox())!;
    await this.page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
    const readout = pane.getByTestId('readout');
    await expect(readout).toBeVisible();
    return (await readout.textContent()) ?? '';
  }

  /** Draws a rectangular ROI with the ROI tool on a pane (fractions of its canvas). */
  async drawRoi(pane: Locator, x0: number, y0: number, x1: number, y1: number): Promise<void> {
    await this.page.getByTestId('tool-roi').click();
    const box = (await pane.locator('canvas').first().boundingBox())!;
    await this.page.mouse.move(box.x + box.width * x0, box.y + box.height * y0);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width * x1, box.y + box.height * y1, { steps: 5 });
    await this.page.mouse.up();
  }

  async configureFbp(o: { preset?: 'demo' | 'paper'; noise?: string; filter?: string }): Promise<void> {
    if (o.preset) await this.page.getByTestId('geometry-preset').selectOption(o.preset);
    if (o.filter) await this.page.getByTestId('filter').selectOption(o.filter);
    if (o.noise !== undefined) await this.page.getByTestId('noise').fill(o.noise);
  }

  async reconstruct(): Promise<{ psnr: number; ssim: number }> {
    await this.page.getByTestId('run-fbp').click();
    const metrics = this.page.getByTestId('fbp-metrics');
    await expect(metrics).toBeVisible({ timeout: 60_000 });
    const psnr = parseFloat((await this.page.getByTestId('psnr').textContent()) ?? '');
    const ssim = parseFloat((await this.page.getByTestId('ssim').textContent()) ?? '');
    return { psnr, ssim };
  }
}
