/**
 * Geometry (with its physics, src/shared/physics.ts) -> MeasurementOperator. The one place that maps a physics
 * kind to its operator class; code that needs "the A of this model" calls this instead of naming a class.
 */
import { physicsOf, type Geometry } from '@shared/geometry';
import { CsOperator } from './cs-operator';
import { IdentityOperator } from './identity-operator';
import type { MeasurementOperator } from './measurement-operator';
import { RadonOperator } from './radon-operator';

export function makeOperator(geometry: Geometry): MeasurementOperator {
  const kind = physicsOf(geometry).kind;
  switch (kind) {
    case 'radon':
      return new RadonOperator(geometry);
    case 'denoise':
      return new IdentityOperator(geometry);
    case 'cs':
      return new CsOperator(geometry);
  }
}
