import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { readDicomFile, huStats, publicMeta } from '../../engine/dicom';
import { writeNpy } from '../../engine/io/npy';
import { ensureParent, parseIntOption, printJson } from '../context';

export function registerDicom(program: Command): void {
  program
    .command('dicom')
    .description('decode one DICOM slice to Hounsfield units as float32 .npy [rows, columns]')
    .argument('<file>', 'a DICOM file')
    .requiredOption('--out <hu.npy>', 'output .npy')
    .option(
      '--frame <k>',
      'frame number for multi-frame files (1-based, as DICOM numbers frames)',
      parseIntOption('frame', 1),
      1,
    )
    .option('--allow-non-ct', 'accept non-CT modalities (values are then rescaled stored values, not HU)')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (file: string, o: { out: string; frame: number; allowNonCt?: boolean; json?: boolean }) => {
      const image = await readDicomFile(file, { allowNonCt: o.allowNonCt });
      const frame = image.frames[o.frame - 1];
      if (!frame) {
        throw new UsageError(
          `${file}: --frame ${o.frame} is out of range (the file has ${image.frames.length} frame(s))`,
        );
      }
      const { rows, columns } = image.meta;
      await ensureParent(o.out);
      await writeNpy(o.out, frame.hu, [rows, columns]);
      const stats = huStats(frame);
      const summary = {
        out: o.out,
        frame: o.frame,
        frames: image.frames.length,
        shape: [rows, columns],
        hu: stats,
        dicom: publicMeta(image.meta),
        warnings: image.warnings,
      };
      if (o.json) printJson(summary);
      else {
        console.log(
          `wrote ${o.out}: ${rows}x${columns} HU, frame ${o.frame}/${image.frames.length}, ` +
            `HU ${stats.min}..${stats.max} (mean ${stats.mean.toFixed(1)})` +
            (stats.paddingCount ? `, ${stats.paddingCount} padding pixels excluded` : ''),
        );
        for (const w of image.warnings) console.log(`warning: ${w}`);
      }
    });
}
