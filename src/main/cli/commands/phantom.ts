import type { Command } from 'commander';
import { makePhantom, type PhantomKind } from '../../engine/physics/phantoms';
import { writeNpy } from '../../engine/io/npy';
import { ensureParent, parseChoice, parseIntOption, printJson } from '../context';

const KINDS: readonly PhantomKind[] = ['shepp-logan', 'ellipses', 'blobs'];

export function registerPhantom(program: Command): void {
  program
    .command('phantom')
    .description(
      'write a phantom image in canonical units (attenuation relative to water) as float32 .npy [N,N]',
    )
    .requiredOption('--kind <kind>', `phantom kind: ${KINDS.join(', ')}`, parseChoice('kind', KINDS))
    .requiredOption('--size <N>', 'image side in pixels', parseIntOption('size', 2, 4096))
    .option('--seed <s>', 'seed for random phantoms (ellipses, blobs)', '0')
    .option(
      '--supersample <k>',
      'k x k sub-pixel samples per pixel for ellipse phantoms',
      parseIntOption('supersample', 1, 16),
      4,
    )
    .requiredOption('--out <file>', 'output .npy')
    .option('--json', 'print a JSON summary on stdout')
    .action(
      async (o: {
        kind: PhantomKind;
        size: number;
        seed: string;
        supersample: number;
        out: string;
        json?: boolean;
      }) => {
        const seed = /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
        const p = makePhantom(o.kind, o.size, { seed, supersample: o.supersample });
        await ensureParent(o.out);
        await writeNpy(o.out, p.image, [o.size, o.size]);
        let min = Infinity;
        let max = -Infinity;
        for (const v of p.image) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        const summary = {
          kind: o.kind,
          size: o.size,
          seed,
          out: o.out,
          min,
          max,
          description: p.description,
        };
        if (o.json) printJson(summary);
        else
          console.log(
            `wrote ${o.out}: ${p.description}, ${o.size}x${o.size}, values ${min.toFixed(3)}..${max.toFixed(3)}`,
          );
      },
    );
}
