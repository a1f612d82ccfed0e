/**
 * Native dialogs. What the user picks is added to the PathPolicy: it is the only way (with drops) a
 * path becomes readable for renderer requests (DESIGN.md section 7).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { dialog, shell, type BrowserWindow } from 'electron';
import { InputError } from '@shared/errors';
import type { DialogOpenResult } from '@shared/ipc';
import type { PathPolicy } from '../gateway/path-policy';
import { log } from './log';

export async function openDicomDialog(
  win: BrowserWindow | undefined,
  kind: 'files' | 'folder',
  policy: PathPolicy,
): Promise<DialogOpenResult> {
  const options: Electron.OpenDialogOptions =
    kind === 'folder'
      ? { title: 'Open a folder of DICOM files', properties: ['openDirectory'] }
      : {
          title: 'Open DICOM files',
          properties: ['openFile', 'multiSelections'],
          // Many DICOM files have no extension, so "All files" comes first.
          filters: [
            { name: 'All files', extensions: ['*'] },
            { name: 'DICOM', extensions: ['dcm', 'DCM', 'dicom', 'ima', 'IMA'] },
          ],
        };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (r.canceled) return { paths: [] };
  for (const p of r.filePaths) await policy.allow(p);
  log('main', `user opened ${r.filePaths.length} ${kind === 'folder' ? 'folder' : 'file(s)'}`);
  return { paths: r.filePaths };
}

/** A saved model folder (model.json + card.json) from anywhere: the pick becomes readable. */
export async function openModelDialog(
  win: BrowserWindow | undefined,
  policy: PathPolicy,
): Promise<DialogOpenResult> {
  const options: Electron.OpenDialogOptions = {
    title: 'Choose a model folder (with model.json and card.json)',
    properties: ['openDirectory'],
  };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (r.canceled) return { paths: [] };
  for (const p of r.filePaths) await policy.allow(p);
  return { paths: r.filePaths };
}

/** A network to import: an ONNX file or a TensorFlow.js model.json (its folder becomes readable, for the shards). */
export async function openNetworkDialog(
  win: BrowserWindow | undefined,
  policy: PathPolicy,
): Promise<DialogOpenResult> {
  const options: Electron.OpenDialogOptions = {
    title: 'Choose a network to import (ONNX, or a TensorFlow.js model.json)',
    properties: ['openFile'],
    filters: [
      { name: 'ONNX or TensorFlow.js', extensions: ['onnx', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
  if (r.canceled) return { paths: [] };
  for (const p of r.filePaths) await policy.allow(path.dirname(p));
  return { paths: r.filePaths };
}

/** Opens a report in the system's PDF viewer. */
export async function openReport(
  file: string,
): Promise<{ opened: boolean; path: string; downloadUrl: null }> {
  await stat(file).catch(() => {
    throw new InputError('this audit has no report.pdf yet: export it first');
  });
  const error = await shell.openPath(file);
  if (error) throw new InputError(`the system could not open ${file}: ${error}`);
  return { opened: true, path: file, downloadUrl: null };
}
