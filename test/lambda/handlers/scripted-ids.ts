// Job markers (a post id, or an email subject) that make the scripted test
// function misbehave. Every other job succeeds without doing anything.

/** The whole invoke throws: a function error. */
export const throwId = "00000000-0000-4000-8000-00000000e001";
/** The invoke runs past the function timeout. */
export const hangId = "00000000-0000-4000-8000-00000000e002";
/** The function returns a result that breaks the contract. */
export const malformedId = "00000000-0000-4000-8000-00000000e003";
/** The invoke takes `SCRIPT_SLOW_MS` and then succeeds. */
export const slowId = "00000000-0000-4000-8000-00000000e004";

const permanentPrefix = "00000000-0000-4000-8000-0000000a";
const retryOncePrefix = "00000000-0000-4000-8000-0000000b";

/** A record that fails with a PermanentJobError. */
export function permanentId(n: number): string {
  return `${permanentPrefix}${hex(n, 4)}`;
}

/** A record that fails retryably on its first delivery, then succeeds. */
export function retryOnceId(n: number): string {
  return `${retryOncePrefix}${hex(n, 4)}`;
}

/** A record that succeeds. */
export function plainId(n: number): string {
  return `00000000-0000-4000-8000-${hex(n, 12)}`;
}

export function isPermanentId(id: string): boolean {
  return id.startsWith(permanentPrefix);
}

export function isRetryOnceId(id: string): boolean {
  return id.startsWith(retryOncePrefix);
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, "0");
}
