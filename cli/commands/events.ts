// `redis-ha events`: tail the local event log; --follow keeps printing new events.
// Only reads: works on a read-only store. Events go to stdout (JSON lines with --json, so the
// output pipes into jq); notes such as "no events" go to stderr.
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../exit-codes';
import { loadInventory, openBackendForReading, type GlobalOptions, type Io } from '../context';
import type { SqliteEventLog } from '../../functions/adapters/local/sqlite-event-log';

/** How often --follow looks for new events. */
export const FOLLOW_POLL_MS = 250;

export function describeEvent(event: {
  time: string;
  type: string;
  subject: string;
  id: string;
  data: Record<string, unknown>;
}): string {
  const data = event.data;
  const detail =
    event.type === 'redis-ha.master.changed'
      ? `${String(data.previous)} -> ${String(data.current)} (epoch ${String(data.configEpoch)})`
      : event.type === 'redis-ha.health.changed'
        ? `${String(data.previous ?? 'new')} -> ${String(data.status)} ${((data.reasons as { code: string }[] | undefined) ?? []).map((r) => r.code).join(',')}`
        : typeof data.step === 'string' || typeof data.rotationId === 'string'
          ? `rotation ${String(data.rotationId ?? '')}`
          : '';
  return `${event.time}  ${event.subject}  ${event.type}  ${detail}  id=${event.id}`;
}

export async function eventsCommand(
  flags: { cluster?: string; limit: number; follow: boolean; json: boolean; signal?: AbortSignal },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const backend = openBackendForReading(options, io);
  try {
    if (flags.cluster !== undefined) checkCluster(flags.cluster, backend.events, options);
    let afterSeq = 0;
    const print = (limit: number) => {
      for (const { seq, event, deliveries } of backend.events.list({
        afterSeq,
        limit,
        ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
      })) {
        afterSeq = seq;
        io.stdout(
          flags.json
            ? `${JSON.stringify({ ...event, deliveries })}\n`
            : `${describeEvent(event)}\n`,
        );
      }
    };
    print(flags.limit);
    if (afterSeq === 0 && !backend.isMissing) {
      const what = flags.cluster === undefined ? 'no events' : `no events for ${flags.cluster}`;
      io.stderr(
        `redis-ha: ${what} in ${options.store} yet${flags.follow ? '; waiting for new ones (Ctrl-C stops)' : ''}\n`,
      );
    }
    while (flags.follow && !flags.signal?.aborted) {
      try {
        await sleep(FOLLOW_POLL_MS, undefined, flags.signal ? { signal: flags.signal } : {});
      } catch {
        break; // aborted: Ctrl-C ends --follow normally
      }
      print(1000);
    }
    return ExitCode.ok;
  } finally {
    backend.close();
  }
}

/**
 * A cluster is known when the inventory lists it or the log holds its events (a cluster
 * removed from the inventory keeps its history). Without a readable inventory, only the log
 * counts.
 */
function checkCluster(name: string, log: SqliteEventLog, options: GlobalOptions): void {
  const inLog = log.subjects();
  if (inLog.includes(name)) return;
  let inInventory: string[] | undefined;
  let inventoryProblem = '';
  try {
    inInventory = loadInventory(options.inventory).clusters.map((c) => c.name);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    inventoryProblem = ` (inventory ${options.inventory} not readable or invalid, so only the log was checked)`;
  }
  if (inInventory?.includes(name)) return;
  const known = [...new Set([...(inInventory ?? []), ...inLog])].sort();
  throw new CliError(
    ExitCode.dataError,
    `unknown cluster "${name}"${inventoryProblem}; known: ${known.join(', ') || '(none)'}`,
  );
}
