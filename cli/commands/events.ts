// `redis-ha events`: tail the local event log; --follow keeps printing new events.
import { openBackend, type GlobalOptions, type Io } from '../context';
import { ExitCode } from '../exit-codes';

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
  const backend = openBackend(options);
  try {
    let afterSeq = 0;
    const print = (limit: number) => {
      for (const { seq, event, deliveries } of backend.events.list({
        afterSeq,
        limit,
        ...(flags.cluster ? { cluster: flags.cluster } : {}),
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
    while (flags.follow && !flags.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      print(1000);
    }
    return ExitCode.ok;
  } finally {
    backend.close();
  }
}
