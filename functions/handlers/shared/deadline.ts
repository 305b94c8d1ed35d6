// An AbortSignal that fires a margin before a Lambda invocation's deadline (or when the signal
// middy hands the handler fires), so probes, watches and the calls they make stop cleanly
// while there is still time to finish acting, flush metrics and return.

export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Clears the timer (call in `finally`; the signal stays as it is). */
  dispose(): void;
}

/**
 * Aborts `marginMs` before `remainingMs` from now run out (at once when that is already past), or
 * when `parent` aborts. The abort reason is a TimeoutError-named DOMException, as
 * `AbortSignal.timeout` gives.
 */
export function signalBeforeDeadline(
  remainingMs: number,
  marginMs: number,
  parent?: AbortSignal,
): DeadlineSignal {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException(`${marginMs} ms before the invocation's deadline`, 'TimeoutError'),
      ),
    Math.max(0, remainingMs - marginMs),
  );
  const signal = parent ? AbortSignal.any([controller.signal, parent]) : controller.signal;
  return { signal, dispose: () => clearTimeout(timer) };
}
