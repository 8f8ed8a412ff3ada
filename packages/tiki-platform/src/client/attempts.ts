import { attemptOutcomeOf, type TikiAttemptOutcome } from './errors.ts';

/** One HTTP attempt at Tiki, as the client's `onAttempt` hears of it (a retried read is several). */
export interface TikiAttempt {
  /**
   * Which of Tiki's routes: `POST /oauth/auth/token`, `GET /order` (the query left out), `graphql
   * get_auth_access_token`... A fixed set, never an id: it can label a series.
   */
  route: string;
  outcome: TikiAttemptOutcome;
  /** For `refused`: Tiki's reason, one of TIKI_ERROR_REASONS or `other`. Empty otherwise. */
  reason: string;
  /** From sending to the answer read (or the failure), in seconds. */
  seconds: number;
}

export type OnAttempt = (attempt: TikiAttempt) => void;

/** Runs one attempt and tells `onAttempt` what came of it; without a listener, it only runs it. */
export function observed<T>(onAttempt: OnAttempt | null, route: string, run: () => Promise<T>): Promise<T> {
  if (onAttempt === null) return run();
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return run().then(
    (value) => {
      onAttempt({ route, outcome: 'ok', reason: '', seconds: seconds() });
      return value;
    },
    (error: unknown) => {
      onAttempt({ route, ...attemptOutcomeOf(error), seconds: seconds() });
      throw error;
    },
  );
}
