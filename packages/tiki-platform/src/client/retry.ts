import { isRetryable } from './errors.ts';

/** Up to `retries` more attempts after the first, waiting a full-jitter exponential backoff between them. */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  o: { retries: number; baseDelayMs: number; random?: () => number },
): Promise<T> {
  const random = o.random ?? Math.random;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (failures >= o.retries || !isRetryable(error)) throw error;
      await delay(random() * o.baseDelayMs * 2 ** failures);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
