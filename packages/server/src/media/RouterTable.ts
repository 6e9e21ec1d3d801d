import { MediaError } from './errors';
import type { Router } from './types';

/**
 * An engine's routers by room id, whatever the engine: one per id while the engine is open, and a
 * router that closes leaves the table by itself.
 */
export class RouterTable<R extends Router> {
  private readonly routers = new Map<string, R>();
  private closed = false;

  /** `make(id, onClose)` builds the engine's router; it must call onClose(router) when it closes. */
  create(id: string, make: (id: string, onClose: (router: R) => void) => R): R {
    if (this.closed) throw MediaError.conflict('media engine is closed');
    if (this.routers.has(id)) throw MediaError.conflict(`router ${id} already exists`);
    const router = make(id, (r) => {
      if (this.routers.get(r.id) === r) this.routers.delete(r.id);
    });
    this.routers.set(id, router);
    return router;
  }

  /** Refuses new routers and closes every open one. */
  closeAll(): void {
    this.closed = true;
    for (const router of [...this.routers.values()]) router.close();
  }
}
