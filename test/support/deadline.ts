// A deadline for a promise a test waits on (a gate reached, a step done), so that a test that
// never gets there fails with what it waited for rather than hanging until the test timeout.

/**
 * Resolves as `promise` does, or rejects with "timed out after <timeoutMs> ms waiting for
 * <what>" when it has not settled by then.
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
