/** Train, Audit and Batch say honestly what this build can and cannot do yet; keyboard navigation works. */
import { expect, openApp, test } from './fixtures';

test('every view renders, reachable with Alt+number', async ({ page, server, shot }) => {
  await openApp(page, server);
  await shot('library-empty');
  for (const [key, view] of [
    ['3', 'train'],
    ['4', 'audit'],
    ['5', 'batch'],
  ] as const) {
    await page.keyboard.press(`Alt+${key}`);
    const el = page.getByTestId(`${view}-view`);
    await expect(el).toBeVisible();
    await shot(view);
  }
  await page.keyboard.press('Alt+2');
  await expect(page.getByTestId('viewer-view')).toContainText('Open a series in the Library');
});
