// Alert hysteresis: a health change is published only once it has held for a number of
// consecutive probes (and, optionally, seconds), so a flapping link does not page anyone on
// every probe. Pure: the caller passes the probe's time; nothing here reads a clock.
import { ReasonCode, type Status } from './reason';

/** How long a health change must hold before it is published. */
export interface AlertHysteresis {
  /** Consecutive probes that must see the health differ from the published one (1: at once). */
  readonly probes: number;
  /** And at least this many seconds since the first of those probes (0: no time floor). */
  readonly seconds: number;
}

/** Publish every change at the first probe that sees it. */
export const NO_HYSTERESIS: AlertHysteresis = { probes: 1, seconds: 0 };

/**
 * Reason codes whose appearance is published at the probe that sees it: waiting a probe
 * longer only lets clients write to a master whose writes will be lost.
 */
export const IMMEDIATE_REASON_CODES: ReadonlySet<string> = new Set([ReasonCode.splitBrain]);

/** A health seen by the latest probes that differs from the published one, not yet held. */
export interface PendingHealth {
  /** Status and codes of the latest probe; they are what gets published once held. */
  readonly status: Status;
  readonly reasonCodes: readonly string[];
  /** When a probe first saw the health differ from the published one (ISO 8601). */
  readonly since: string;
  /** Consecutive probes that saw it differ. */
  readonly probes: number;
}

export interface HealthInput {
  /** What was last published (null status: nothing yet). */
  readonly published: { readonly status: Status | null; readonly reasonCodes: readonly string[] };
  readonly observed: { readonly status: Status; readonly reasonCodes: readonly string[] };
  readonly pending: PendingHealth | null;
  readonly hysteresis: AlertHysteresis;
  readonly now: Date;
  /** Publish without waiting (a confirmed master change, a first healthy probe). */
  readonly isImmediate: boolean;
}

export type HealthDecision =
  /** The observed health is the published one: nothing to say, nothing pending. */
  | { readonly kind: 'unchanged' }
  /** The observed health becomes the published one now. */
  | { readonly kind: 'publish' }
  /** The health differs but has not held long enough: remember it and wait. */
  | { readonly kind: 'hold'; readonly pending: PendingHealth };

/**
 * Decides whether the observed health is published now. Any run of probes that differ from
 * the published health counts, even when their codes vary among themselves, so that a cluster
 * that is unwell in shifting ways is still reported; one probe that agrees again resets it.
 */
export function decideHealth(input: HealthInput): HealthDecision {
  const { published, observed, hysteresis, now } = input;
  if (sameHealth(published, observed)) return { kind: 'unchanged' };
  const isNewImmediateReason = observed.reasonCodes.some(
    (code) => IMMEDIATE_REASON_CODES.has(code) && !published.reasonCodes.includes(code),
  );
  if (input.isImmediate || isNewImmediateReason) return { kind: 'publish' };

  const since = input.pending?.since ?? now.toISOString();
  const probes = (input.pending?.probes ?? 0) + 1;
  const heldMs = now.getTime() - Date.parse(since);
  if (probes >= hysteresis.probes && heldMs >= hysteresis.seconds * 1000) {
    return { kind: 'publish' };
  }
  return {
    kind: 'hold',
    pending: { status: observed.status, reasonCodes: observed.reasonCodes, since, probes },
  };
}

function sameHealth(
  a: { readonly status: Status | null; readonly reasonCodes: readonly string[] },
  b: { readonly status: Status | null; readonly reasonCodes: readonly string[] },
): boolean {
  return a.status === b.status && a.reasonCodes.join(',') === b.reasonCodes.join(',');
}
