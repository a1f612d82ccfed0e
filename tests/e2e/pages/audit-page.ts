import { expect, type Locator, type Page } from '@playwright/test';

/** Settings of the shared audit form (src/shared/robustness.ts fields; omitted ones keep their value). */
export interface AuditSettings {
  kind?: string;
  eps?: string;
  steps?: number;
  sigma?: string;
  samples?: number;
  certify?: boolean;
}

/**
 * The Audit view: the shared settings form (models, geometry, attack and certification fields), the one-slice
 * results (charts, comparison view with the eps selector and the certificates) and the Data set tab.
 */
export class AuditPage {
  readonly view: Locator;
  readonly results: Locator;
  readonly chart: Locator;
  readonly sweep: Locator;
  readonly comparison: Locator;
  readonly epsOptions: Locator;
  readonly certificates: Locator;
  readonly runButton: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('audit-view');
    this.results = page.getByTestId('audit-results');
    this.chart = page.getByTestId('rho-chart');
    this.sweep = page.getByTestId('sigma-chart');
    this.comparison = page.getByTestId('comparison');
    this.epsOptions = page.getByTestId('eps-option');
    this.certificates = page.getByTestId('certificate-row');
    this.runButton = page.getByTestId('audit-run');
  }

  async goto(tab: 'slice' | 'folder' = 'slice'): Promise<void> {
    await this.page.getByTestId('nav-audit').click();
    await expect(this.view).toBeVisible();
    await this.page.getByTestId(`tab-${tab}`).click();
  }

  /** The checkbox of a workspace model in the form's model list. */
  model(name: string): Locator {
    return this.view.locator(`input[type="checkbox"][data-model="${name}"]`);
  }

  field(group: 'attack' | 'certification', key: string): Locator {
    return this.page.getByTestId(`set-${group}-${key}`);
  }

  async configure(o: AuditSettings): Promise<void> {
    if (o.kind) await this.field('attack', 'kind').selectOption(o.kind);
    if (o.eps !== undefined) await this.field('attack', 'eps').fill(o.eps);
    if (o.steps !== undefined) await this.field('attack', 'steps').fill(String(o.steps));
    if (o.certify !== undefined) await this.field('certification', 'enabled').setChecked(o.certify);
    if (o.sigma !== undefined) await this.field('certification', 'sigma').fill(o.sigma);
    if (o.samples !== undefined) await this.field('certification', 'samples').fill(String(o.samples));
  }

  /** Runs the one-slice audit and waits for the comparison view. */
  async run(timeout = 120_000): Promise<void> {
    await this.runButton.click();
    await expect(this.results).toBeVisible({ timeout });
    await expect(this.comparison).toBeVisible();
    await expect(this.runButton).toHaveText('Run', { timeout });
  }

  certificate(model: string): Locator {
    return this.page.locator(`[data-testid="certificate-row"][data-model="${model}"]`);
  }

  async selectEps(index: number): Promise<void> {
    await this.epsOptions.nth(index).click();
    await expect(this.epsOptions.nth(index)).toHaveAttribute('aria-checked', 'true');
  }
}
