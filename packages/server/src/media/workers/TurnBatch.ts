/**
 * What one turn of the event loop adds, handed on as one batch once the turn is over (its
 * callbacks and their promise jobs included): one message between threads instead of one each.
 */
export class TurnBatch<Item> {
  private items: Item[] = [];

  constructor(private readonly flushTo: (items: Item[]) => void) {}

  add(item: Item): void {
    if (this.items.push(item) === 1) setImmediate(this.flush);
  }

  /** Scheduled by the turn's first item, so never empty. */
  private readonly flush = (): void => {
    const items = this.items;
    this.items = [];
    this.flushTo(items);
  };
}
