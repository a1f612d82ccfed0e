/** What every engine-host method gets: its job (progress, cancellation) and the host's series store. */
import type { JobContext } from '../../job-context';
import type { SeriesStore } from '../series-store';

export interface MethodContext {
  job: JobContext;
  store: SeriesStore;
}

export type HostMethodImpl<P, R> = (params: P, ctx: MethodContext) => Promise<R>;

/** Lets the host's event loop read messages (a cancel) between two synchronous compute steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
