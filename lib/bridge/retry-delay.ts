/**
 * The nak delay after a failed delivery: base, 2×base, 4×base, … With the
 * default 1 s base and 6 deliveries that is 1, 2, 4, 8 and 16 s.
 */
export function retryDelayMs(
  deliveryCount: number,
  baseDelayMs: number,
): number {
  const exponent = Math.max(0, deliveryCount - 1);
  return baseDelayMs * 2 ** exponent;
}
