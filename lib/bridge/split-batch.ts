import type { JobRecord } from "../contract.ts";

/**
 * Lambda's limit on a synchronous (RequestResponse) invoke's request
 * payload: 6 MB, counted in bytes (6 × 1024 × 1024).
 */
export const maxInvokePayloadBytes = 6 * 1024 * 1024;

/** `{"records":[` and `]}` around the records of an event. */
const eventEnvelopeBytes = Buffer.byteLength('{"records":[]}');

export interface OversizedItem<Item> {
  item: Item;
  /** The size of an event holding only this record, as UTF-8 JSON. */
  bytes: number;
}

export interface SplitBatch<Item> {
  /** Batches in order, each fitting the limit as one event's JSON. */
  batches: Item[][];
  /** Items whose record alone makes an event over the limit. */
  oversized: OversizedItem<Item>[];
}

/**
 * Splits a batch so the event JSON of each part (`{"records":[...]}`) fits
 * `maxBytes`, keeping the order. Sizes are UTF-8 bytes: a string of 3.2
 * million `é` is 3.2 million characters long but 6.4 MB on the wire.
 */
export function splitBatch<Item>(
  items: readonly Item[],
  recordOf: (item: Item) => JobRecord,
  maxBytes: number = maxInvokePayloadBytes,
): SplitBatch<Item> {
  const batches: Item[][] = [];
  const oversized: OversizedItem<Item>[] = [];
  let current: Item[] = [];
  let currentBytes = eventEnvelopeBytes;

  for (const item of items) {
    const recordBytes = Buffer.byteLength(JSON.stringify(recordOf(item)));
    if (eventEnvelopeBytes + recordBytes > maxBytes) {
      oversized.push({ item, bytes: eventEnvelopeBytes + recordBytes });
      continue;
    }

    // Every record after the first adds a comma.
    const addedBytes = current.length === 0 ? recordBytes : recordBytes + 1;
    if (currentBytes + addedBytes > maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = eventEnvelopeBytes;
      currentBytes += recordBytes;
    } else {
      currentBytes += addedBytes;
    }
    current.push(item);
  }

  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}

/** The dead-letter reason for a record too large to invoke with. */
export function oversizedReason(bytes: number, maxBytes: number): string {
  return `record is ${bytes} bytes as an invoke payload, over Lambda's synchronous limit of ${maxBytes} bytes; it was never sent`;
}
