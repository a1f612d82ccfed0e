/**
 * Training methods by name (DESIGN.md section 4; one file each). A factory takes the user's hyperparameters
 * (`--hp key=value`, validated and completed from defaults.ts) and returns a TrainingMethod. Adding a
 * method is one import and one line in METHOD_FACTORIES.
 */
import { UsageError } from '@shared/errors';
import { METHOD_NAMES, type MethodName, type TrainingMethod } from '../method';
import { createJacobian } from './jacobian';
import { createL2 } from './l2';
import { createMinmaxMethod } from './minmax';
import { createOrd } from './ord';
import { createParseval } from './parseval';
import { createPgd } from './pgd';
import { createSmtAdvMethod } from './smt-adv';
import { createSmtGradMethod } from './smt-grad';

export type MethodFactory = (options?: Record<string, unknown>) => TrainingMethod;

export const METHOD_FACTORIES: Record<MethodName, MethodFactory> = {
  ord: createOrd,
  l2: createL2,
  parseval: createParseval,
  pgd: createPgd,
  minmax: createMinmaxMethod,
  jacobian: createJacobian,
  'smt-adv': createSmtAdvMethod,
  'smt-grad': createSmtGradMethod,
};

/** Names with an implementation, in METHOD_NAMES order. */
export function availableMethods(): MethodName[] {
  return METHOD_NAMES.filter((m) => METHOD_FACTORIES[m] !== undefined);
}

export function createMethod(name: string, options: Record<string, unknown> = {}): TrainingMethod {
  if (!(METHOD_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(
      `--method ${name}: unknown training method; choose one of ${METHOD_NAMES.join(', ')}`,
    );
  }
  const factory = METHOD_FACTORIES[name as MethodName];
  if (!factory) {
    throw new UsageError(
      `--method ${name}: not available in this build; available: ${availableMethods().join(', ')}`,
    );
  }
  return factory(options);
}

export {
  createOrd,
  createL2,
  createParseval,
  createPgd,
  createJacobian,
  createMinmaxMethod,
  createSmtAdvMethod,
  createSmtGradMethod,
};
export { parsevalTerm } from './parseval';
export { pgdPerturbation, type PgdSettings } from './pgd';
export { powerIteration, type SpectralSettings } from './jacobian';
export { minimizeModel } from './common';
