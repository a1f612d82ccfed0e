import { expect, type Locator, type Page } from '@playwright/test';

/** The Audit view: model, attack and certification settings for the Viewer's slice; results. */
export class AuditPage {
  readonly view: Locator;
  readonly results: Locator;
  readonly chart: Locator;
  readonly certTable: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('audit-view');
    this.results = page.getByTestId('audit-results');
    this.chart = page.getByTestId('rho-chart');
    this.certTable = page.getByTestId('cert-table');
  }

  async configure(o: { eps: string; steps: number; sigmas: string; samples: number }): Promise<void> {
    await this.page.getByTestId('audit-eps').fill(o.eps);
    await this.page.getByTestId('audit-steps').fill(String(o.steps));
    await this.page.getByTestId('audit-sigmas').fill(o.sigmas);
    await this.page.getByTestId('audit-samples').fill(String(o.samples));
  }

  async run(): Promise<void> {
    await this.page.getByTestId('audit-run').click();
    await expect(this.results).toBeVisible({ timeout: 120_000 });
  }
}
