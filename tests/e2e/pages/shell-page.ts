import { expect, type Locator, type Page } from '@playwright/test';

/** The app shell: navigation, connection status, error banners and the jobs bar (progress, Cancel). */
export class ShellPage {
  readonly jobs: Locator;
  readonly errorBanner: Locator;

  constructor(readonly page: Page) {
    this.jobs = page.getByTestId('job');
    this.errorBanner = page.getByTestId('error-banner');
  }

  job(label: RegExp | string): Locator {
    return this.jobs.filter({ hasText: label });
  }

  /** Waits until the job shows progress (a step done), then presses its Cancel button. */
  async cancelWhenRunning(label: RegExp | string): Promise<Locator> {
    const job = this.job(label);
    await expect(job).toHaveAttribute('data-state', 'running');
    await expect(job.locator('.detail')).toHaveText(/ [1-9]\d*\/\d+/, { timeout: 60_000 });
    await job.getByTestId('job-cancel').click();
    return job;
  }

  async navigate(view: 'library' | 'viewer' | 'train' | 'audit' | 'batch'): Promise<void> {
    await this.page.getByTestId(`nav-${view}`).click();
  }
}
