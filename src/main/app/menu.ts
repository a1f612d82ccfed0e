import { app, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { getAppInfo } from './app-info';

function showAbout(win: BrowserWindow | undefined): void {
  const info = getAppInfo();
  const detail = [
    `Version ${info.version}`,
    `Electron ${info.versions.electron}, Chromium ${info.versions.chrome}, Node ${info.versions.node}`,
    `${info.platform} ${info.arch}`,
    '',
    'Robustness audits of deep-learning CT reconstruction.',
  ].join('\n');
  const options = {
    type: 'info' as const,
    title: `About ${info.name}`,
    message: info.name,
    detail,
    buttons: ['OK'],
  };
  void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

export interface MenuActions {
  /** File > Open DICOM files… / folder…: the native dialog, then the renderer scans what was picked. */
  openDicom(kind: 'files' | 'folder', win: BrowserWindow | undefined): void;
}

/** The application menu. Developer tools are offered only in development builds. */
export function buildAppMenu(actions: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const dev = !app.isPackaged;
  const about: MenuItemConstructorOptions = {
    label: 'About CT Audit',
    click: (_item, win) => showAbout(win as BrowserWindow | undefined),
  };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            role: 'appMenu' as const,
            submenu: [
              about,
              { type: 'separator' as const },
              { role: 'hide' as const },
              { role: 'hideOthers' as const },
              { role: 'unhide' as const },
              { type: 'separator' as const },
              { role: 'quit' as const },
            ],
          },
        ]
      : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'Open DICOM Files…',
          accelerator: 'CmdOrCtrl+O',
          click: (_item, win) => actions.openDicom('files', win as BrowserWindow | undefined),
        },
        {
          label: 'Open DICOM Folder…',
          accelerator: 'CmdOrCtrl+Shift+O',
          click: (_item, win) => actions.openDicom('folder', win as BrowserWindow | undefined),
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(dev
          ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }]
          : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: isMac ? [] : [about] },
  ];
  return Menu.buildFromTemplate(template);
}
