import { expect, type Locator, type Page } from '@playwright/test';

/** The Train view: settings form, live curves, the workspace's models. */
export class TrainPage {
  readonly view: Locator;
  readonly chart: Locator;
  readonly models: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('train-view');
    this.chart = page.getByTestId('train-chart');
    this.models = page.getByTestId('model-list');
  }

  async goto(): Promise<void> {
    await this.page.getByTestId('nav-train').click();
    await expect(this.view).toBeVisible();
    // The method table comes from the engine (train:defaults).
    await expect(this.page.getByTestId('train-method')).toBeEnabled();
  }

  /** A small FBPConvNet on random ellipses (fast on CPU). */
  async fill(o: {
    name: string;
    steps: number;
    size?: number;
    views?: number;
    method?: string;
  }): Promise<void> {
    await this.page.getByTestId('train-name').fill(o.name);
    if (o.method) await this.page.getByTestId('train-method').selectOption(o.method);
    await this.page.getByTestId('train-preset').selectOption('tiny');
    await this.page.getByLabel('image size N').fill(String(o.size ?? 32));
    await this.page.getByLabel('views', { exact: true }).fill(String(o.views ?? 12));
    await this.page.getByTestId('train-steps').fill(String(o.steps));
    await this.page.getByLabel('steps per epoch').fill('3');
  }

  async start(): Promise<void> {
    await this.page.getByTestId('train-start').click();
  }

  model(name: string): Locator {
    return this.models.locator(`tr[data-model="${name}"]`);
  }

  /** Models: Import… with the card fields the import form shows. */
  async importNetwork(o: {
    file: string;
    name: string;
    size: number;
    views: number;
    unit: 'attenuation' | 'hu' | 'unit-window' | 'symmetric-window';
    access?: 'white-box' | 'black-box';
  }): Promise<void> {
    const panel = this.page.getByTestId('import-panel');
    if (!(await panel.isVisible())) await this.page.getByTestId('model-import').click();
    await panel.getByTestId('import-source').fill(o.file);
    await panel.getByTestId('import-name').fill(o.name);
    await panel.getByTestId('import-size').fill(String(o.size));
    await panel.getByTestId('import-views').fill(String(o.views));
    await panel.getByTestId('import-unit').selectOption(o.unit);
    await panel.getByTestId('import-access').selectOption(o.access ?? 'white-box');
    await panel.getByTestId('import-submit').click();
  }
}
