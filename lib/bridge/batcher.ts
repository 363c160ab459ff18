/**
 * Groups items into batches of at most `size`, sending a partial batch once
 * `windowMs` has passed since its first item. A window of 0 sends every
 * batch as soon as `flush` is called or it is full.
 */
export class Batcher<Item> {
  readonly #size: number;
  readonly #windowMs: number;
  readonly #send: (batch: Item[]) => void;
  #pending: Item[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(size: number, windowMs: number, send: (batch: Item[]) => void) {
    this.#size = size;
    this.#windowMs = windowMs;
    this.#send = send;
  }

  add(item: Item): void {
    this.#pending.push(item);
    if (this.#pending.length >= this.#size || this.#windowMs === 0) {
      this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.flush(), this.#windowMs);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#send(batch);
  }

  /** Removes and returns what has not been sent. */
  takePending(): Item[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = [];
    return pending;
  }
}
