/**
 * Faults the local Lambda endpoint injects on request, for tests and
 * benchmarks. Counts are used up one invoke at a time.
 */
export interface FaultSettings {
  /** Delay before each invoke runs, in ms [0]. */
  latencyMs: number;
  /** Until this time (`Date.now()` ms), every invoke gets a 429 [0]. */
  throttleUntil: number;
  /** The next invokes end in a function error without running [0]. */
  functionErrors: number;
  /** The next invokes hang for the function timeout, then time out [0]. */
  timeouts: number;
  /** The next invokes get this Lambda service error instead of running. */
  serviceErrors: { count: number; name: string; status: number };
}

export interface FaultRequest {
  latencyMs?: number;
  throttleForMs?: number;
  functionErrors?: number;
  timeouts?: number;
  /** For example `{ count: 2, name: "EC2ThrottledException", status: 502 }`. */
  serviceErrors?: FaultSettings["serviceErrors"];
}

/** The fault an invoke gets, in the order the endpoint checks them. */
export type Fault =
  | { kind: "throttle" }
  | { kind: "service-error"; name: string; status: number }
  | { kind: "function-error" }
  | { kind: "timeout" }
  | { kind: "none" };

export function noFaults(): FaultSettings {
  return {
    latencyMs: 0,
    throttleUntil: 0,
    functionErrors: 0,
    timeouts: 0,
    serviceErrors: { count: 0, name: "ServiceException", status: 500 },
  };
}

export function applyFaultRequest(
  settings: FaultSettings,
  request: FaultRequest,
): void {
  if (request.latencyMs !== undefined) settings.latencyMs = request.latencyMs;
  if (request.throttleForMs !== undefined) {
    settings.throttleUntil = Date.now() + request.throttleForMs;
  }
  if (request.functionErrors !== undefined) {
    settings.functionErrors = request.functionErrors;
  }
  if (request.timeouts !== undefined) settings.timeouts = request.timeouts;
  if (request.serviceErrors !== undefined) {
    settings.serviceErrors = { ...request.serviceErrors };
  }
}

/** Picks the fault for the next invoke and uses up its count. */
export function takeFault(settings: FaultSettings): Fault {
  if (Date.now() < settings.throttleUntil) return { kind: "throttle" };

  const { serviceErrors } = settings;
  if (serviceErrors.count > 0) {
    serviceErrors.count--;
    return {
      kind: "service-error",
      name: serviceErrors.name,
      status: serviceErrors.status,
    };
  }
  if (settings.functionErrors > 0) {
    settings.functionErrors--;
    return { kind: "function-error" };
  }
  if (settings.timeouts > 0) {
    settings.timeouts--;
    return { kind: "timeout" };
  }
  return { kind: "none" };
}
