/**
 * Native dialogs (src/main/app/dialogs.ts) and the application menu (menu.ts) with `electron` mocked:
 * what the user picks in a dialog becomes readable (and nothing when they cancel), reports open in the
 * system viewer with a clear error when they cannot, and each menu item does what its label says.
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '@shared/errors';
import { PathPolicy } from '../../../src/main/gateway/path-policy';
import { openDicomDialog, openModelDialog, openReport } from '../../../src/main/app/dialogs';
import { buildAppMenu, type MenuActions } from '../../../src/main/app/menu';
import { FakeBrowserWindow, electron, removeElectronFiles, resetElectron } from './electron-mock';

vi.mock('electron', async () => (await import('./electron-mock')).electron);
afterAll(removeElectronFiles);

interface MenuItem {
  label?: string;
  role?: string;
  accelerator?: string;
  type?: string;
  submenu?: MenuItem[];
  click?: (item: unknown, win: unknown) => void;
}

describe('native dialogs', () => {
  let dir: string;
  let policy: PathPolicy;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ct-audit-dialogs-')));
    await mkdir(path.join(dir, 'series'));
    await writeFile(path.join(dir, 'series', 'a.dcm'), 'x');
    await writeFile(path.join(dir, 'report.pdf'), '%PDF-1.4');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetElectron();
    vi.spyOn(console, 'log').mockImplementation(() => undefined); // main's log of each pick
    policy = new PathPolicy('the files and folders you opened', 'open it first');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a folder picked in the DICOM dialog becomes readable, with everything inside it', async () => {
    const win = new FakeBrowserWindow({});
    const folder = path.join(dir, 'series');
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [folder] });
    expect(await openDicomDialog(win as never, 'folder', policy)).toEqual({ paths: [folder] });
    const [parent, options] = electron.dialog.showOpenDialog.mock.calls[0] as [
      unknown,
      Record<string, unknown>,
    ];
    expect(parent).toBe(win); // modal to the app window
    expect(options.properties).toEqual(['openDirectory']);
    expect(await policy.check(path.join(folder, 'a.dcm'))).toBe(path.join(folder, 'a.dcm'));
    await expect(policy.check(path.join(dir, 'report.pdf'))).rejects.toThrow(/outside/);
  });

  it('the files dialog allows several files and offers "All files" first (DICOM files often have no extension)', async () => {
    const file = path.join(dir, 'series', 'a.dcm');
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [file] });
    await openDicomDialog(undefined, 'files', policy);
    // Without a window the dialog is not modal (the one-argument form).
    const [options] = electron.dialog.showOpenDialog.mock.calls[0] as [Record<string, unknown>];
    expect(options.properties).toEqual(['openFile', 'multiSelections']);
    expect((options.filters as { name: string }[])[0].name).toBe('All files');
    expect(policy.roots()).toEqual([file]);
  });

  it('a cancelled dialog grants nothing', async () => {
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: true, filePaths: [] });
    expect(await openDicomDialog(undefined, 'folder', policy)).toEqual({ paths: [] });
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: true, filePaths: [dir] });
    expect(await openModelDialog(undefined, policy)).toEqual({ paths: [] });
    expect(policy.roots()).toEqual([]);
  });

  it('a model folder picked in its dialog becomes readable', async () => {
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [dir] });
    expect(await openModelDialog(undefined, policy)).toEqual({ paths: [dir] });
    expect((electron.dialog.showOpenDialog.mock.calls[0] as [Record<string, unknown>])[0].properties).toEqual(
      ['openDirectory'],
    );
    expect(policy.roots()).toEqual([dir]);
  });

  it('opens a report in the system viewer, and says why when it cannot', async () => {
    const pdf = path.join(dir, 'report.pdf');
    expect(await openReport(pdf)).toEqual({ opened: true, path: pdf, downloadUrl: null });
    expect(electron.shell.openPath).toHaveBeenCalledWith(pdf);
    await expect(openReport(path.join(dir, 'missing.pdf'))).rejects.toThrow(
      new InputError('this audit has no report.pdf yet: export it first'),
    );
    electron.shell.openPath.mockResolvedValue('No application is registered for PDF');
    const e = await openReport(pdf).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(
      `the system could not open ${pdf}: No application is registered for PDF`,
    );
  });
});

describe('application menu', () => {
  const platform = process.platform;
  beforeEach(() => resetElectron());
  const withPlatform = (p: NodeJS.Platform): void => {
    Object.defineProperty(process, 'platform', { value: p });
  };
  afterAll(() => withPlatform(platform));

  function build(): { template: MenuItem[]; actions: MenuActions & { calls: unknown[][] } } {
    const calls: unknown[][] = [];
    const actions = {
      calls,
      openDicom: (kind: 'files' | 'folder', win: unknown) => void calls.push([kind, win]),
    };
    buildAppMenu(actions as MenuActions);
    const template = electron.Menu.buildFromTemplate.mock.calls.at(-1)![0] as MenuItem[];
    return { template, actions };
  }
  const find = (items: MenuItem[], label: string): MenuItem | undefined => {
    for (const i of items) {
      if (i.label === label) return i;
      const inner = i.submenu && find(i.submenu, label);
      if (inner) return inner;
    }
    return undefined;
  };
  const roles = (items: MenuItem[]): string[] =>
    items.flatMap((i) => [...(i.role ? [i.role] : []), ...(i.submenu ? roles(i.submenu) : [])]);

  it('File > Open DICOM Files… / Folder… ask for files or a folder, for the window they were used in', () => {
    withPlatform('linux');
    const { template, actions } = build();
    const files = find(template, 'Open DICOM Files…')!;
    const folder = find(template, 'Open DICOM Folder…')!;
    expect(files.accelerator).toBe('CmdOrCtrl+O');
    expect(folder.accelerator).toBe('CmdOrCtrl+Shift+O');
    const win = new FakeBrowserWindow({});
    files.click!({}, win);
    folder.click!({}, undefined);
    expect(actions.calls).toEqual([
      ['files', win],
      ['folder', undefined],
    ]);
  });

  it('About shows the name, version and runtime versions', async () => {
    withPlatform('linux');
    const { template } = build();
    const win = new FakeBrowserWindow({});
    find(template, 'About CT Audit')!.click!({}, win);
    const [parent, box] = electron.dialog.showMessageBox.mock.calls[0] as unknown as [
      unknown,
      Record<string, string>,
    ];
    expect(parent).toBe(win);
    expect(box.title).toBe('About CT Audit');
    expect(box.detail).toContain('Version 0.1.0-test');
    expect(box.detail).toMatch(/Node \d+\./);
  });

  it('offers developer tools in development builds only', () => {
    withPlatform('linux');
    expect(roles(build().template)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
    electron.app.isPackaged = true;
    const packaged = roles(build().template);
    expect(packaged).not.toContain('toggleDevTools');
    expect(packaged).not.toContain('reload');
    expect(packaged).toEqual(expect.arrayContaining(['quit', 'editMenu', 'windowMenu', 'zoomIn']));
  });

  it('follows each platform: the app menu with About and Quit on macOS, Quit in File elsewhere', () => {
    withPlatform('darwin');
    const mac = build().template;
    expect(mac[0].role).toBe('appMenu');
    expect(roles(mac[0].submenu!)).toContain('quit');
    expect(find(mac[0].submenu!, 'About CT Audit')).toBeDefined();
    expect(roles(find(mac, 'File')!.submenu!)).toEqual(['close']);
    withPlatform('linux');
    const linux = build().template;
    expect(linux.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help']);
    expect(roles(find(linux, 'File')!.submenu!)).toEqual(['quit']);
    expect(find(linux.at(-1)!.submenu!, 'About CT Audit')).toBeDefined();
  });
});
