// `redis-ha events`: tail the local event log; --follow keeps printing new events. With
// --backend aws: the events the deployment published (kept 30 days in its state table).
// Only reads: works on a read-only store. Events go to stdout (JSON lines with --json, so the
// output pipes into jq); notes such as "no events" go to stderr.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedEventEntry } from '../../functions/core/ports';
import { inventoryIfAny, openAwsTable } from '../backend';
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
  if (options.backend === 'aws') return awsEvents(flags, options, io);
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
        io.stdout(eventLine({ event, deliveries }, flags.json));
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

/** One event as printed: a JSON line with --json, else one line for people. */
function eventLine({ event, deliveries }: LoggedEventEntry, json: boolean): string {
  return json ? `${JSON.stringify({ ...event, deliveries })}\n` : `${describeEvent(event)}\n`;
}

/**
 * The deployment's events from its state table. No --follow: polling the table is costly, and
 * the topic pushes events as they happen (subscribe to it). A --cluster that has no events is
 * unknown only when an inventory is there to say so.
 */
async function awsEvents(
  flags: { cluster?: string; limit: number; follow: boolean; json: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  if (flags.follow)
    throw new CliError(
      ExitCode.usage,
      'events --backend aws: --follow reads the local log only; in AWS, subscribe to the event topic (EVENT_TOPIC_ARN) to receive events as they are published',
    );
  const { events, where } = await openAwsTable('events', options);
  const entries = await events.read({
    limit: flags.limit,
    ...(flags.cluster !== undefined ? { cluster: flags.cluster } : {}),
  });
  for (const entry of entries) io.stdout(eventLine(entry, flags.json));
  if (entries.length > 0) return ExitCode.ok;
  if (flags.cluster === undefined) {
    io.stderr(`redis-ha: no events in ${where} in the last 30 days\n`);
    return ExitCode.ok;
  }
  const inventory = inventoryIfAny(options);
  const known = inventory?.clusters.map((c) => c.name);
  if (known && !known.includes(flags.cluster))
    throw new CliError(
      ExitCode.dataError,
      `unknown cluster "${flags.cluster}": no events for it in ${where}, and the inventory has: ${known.join(', ') || '(none)'}`,
    );
  io.stderr(
    `redis-ha: no events for ${flags.cluster} in ${where} in the last 30 days${known ? '' : ' (no inventory to check the name against)'}\n`,
  );
  return ExitCode.ok;
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
