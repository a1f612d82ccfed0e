import { expect, type Locator, type Page } from '@playwright/test';

/** The Library view: open a path on the server, see series and per-file errors, open a series. */
export class LibraryPage {
  readonly view: Locator;
  readonly pathInput: Locator;
  readonly series: Locator;
  readonly fileErrors: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('library-view');
    this.pathInput = page.getByTestId('open-path');
    this.series = page.getByTestId('series-card');
    this.fileErrors = page.getByTestId('file-error');
  }

  async goto(): Promise<void> {
    await this.page.getByTestId('nav-library').click();
    await expect(this.view).toBeVisible();
  }

  /** Types a path on the server and opens it; waits until the scan has finished. */
  async open(p: string): Promise<Locator> {
    await this.pathInput.fill(p);
    await this.page.getByTestId('open-path-submit').click();
    const scan = this.page.getByTestId('scan').first();
    await expect(scan).not.toHaveAttribute('data-state', 'scanning', { timeout: 60_000 });
    return scan;
  }

  async viewSeries(index = 0): Promise<void> {
    await this.series.nth(index).getByTestId('view-series').click();
  }
}
