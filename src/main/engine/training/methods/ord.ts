/** `ord`: ordinary training, min E l(f(y), x) — eq. (5) of papers/000 with mu = 0; "Ord" of papers/002. */
import type { TrainingMethod } from '../method';
import { resolveHyper } from '../defaults';
import { mseLoss } from '../../metrics';
import { minimizeModel, stateless } from './common';

export function createOrd(options: Record<string, unknown> = {}): TrainingMethod {
  return {
    name: 'ord',
    hyper: resolveHyper('ord', options),
    ...stateless,
    step(batch, ctx) {
      return minimizeModel(ctx, () => {
        const mse = mseLoss(ctx.model.apply(batch.y, true), batch.x);
        return { total: mse, terms: { mse } };
      });
    },
  };
}
