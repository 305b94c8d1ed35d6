// What both parts of `npm run demo:aws` share: their context, timelines of marks in ms after an
// origin, the control plane's SSM writes and SNS publishes traced onto a timeline (names only),
// the states of a rotation execution, the SNS messages and the SSM parameters (SecureString
// values masked). Never prints a secret: everything goes through the context's masking `say`.
import { table } from '../cli/format';
import type { EventBus, ParameterStore } from '../functions/core/ports';
import type { ControlDeps } from '../functions/control/reconcile';
import type { AslDefinition, EventLog, OfflineAws } from '../test/handlers/step-functions-support';

/** What both parts share: the offline AWS, the synthesized machine, output with secrets masked. */
export interface DemoContext {
  readonly aws: OfflineAws;
  readonly definition: AslDefinition;
  /** Writes to stdout with every secret in `secrets` masked. */
  readonly say: (text: string) => void;
  /** Secrets to mask; a part adds the ones it makes. */
  readonly secrets: string[];
}

interface Mark {
  readonly at: number;
  readonly what: string;
}

/** Marks at wall-clock times, rendered as ms after an origin (the kill, the execution's start). */
export class Timeline {
  private origin = Date.now();
  readonly marks: Mark[] = [];
  restart(origin = Date.now()): void {
    this.origin = origin;
    this.marks.length = 0;
  }
  /** Moves the origin, keeping the marks. */
  setOrigin(origin: number): void {
    this.origin = origin;
  }
  mark(what: string, at = Date.now()): void {
    this.marks.push({ at, what });
  }
  /** Ms from the origin to the first mark that starts with `prefix`, if any. */
  msUntil(prefix: string): number | undefined {
    const found = this.marks.find((m) => m.what.startsWith(prefix));
    return found ? found.at - this.origin : undefined;
  }
  render(): string {
    return table(
      ['T+MS', 'WHAT'],
      [...this.marks]
        .sort((a, b) => a.at - b.at)
        .map((m) => [(m.at - this.origin).toFixed(0).padStart(6), m.what]),
    );
  }
}

/** The ports with every SSM write and SNS publish marked on `timeline` (names only). */
export function traced(deps: ControlDeps, timeline: Timeline): ControlDeps {
  const parameters: ParameterStore = {
    get: (name) => deps.parameters.get(name),
    getMany: (names) => deps.parameters.getMany(names),
    list: (path, options) => deps.parameters.list(path, options),
    history: (name) => deps.parameters.history(name),
    put: async (name, value, options) => {
      const version = await deps.parameters.put(name, value, options);
      timeline.mark(
        `SSM PutParameter ${name} (${options.isSecure ? 'SecureString' : 'String'}, v${version})`,
      );
      return version;
    },
    delete: async (name) => {
      await deps.parameters.delete(name);
      timeline.mark(`SSM DeleteParameter ${name}`);
    },
  };
  const events: EventBus = {
    publish: async (event) => {
      await deps.events.publish(event);
      timeline.mark(`SNS Publish ${event.type}`);
    },
  };
  return { ...deps, parameters, events };
}

/** Marks the states of a rotation execution's history on `timeline`, its start as the origin. */
export function markExecution(timeline: Timeline, events: readonly EventLog[]): void {
  for (const event of events) {
    const what = stateMark(event);
    if (what) timeline.mark(what, event.timestamp);
    if (event.type === 'ExecutionStarted') timeline.setOrigin(event.timestamp);
  }
}

/** One line of the rotation timeline from the execution's history, or undefined to skip it. */
function stateMark(event: EventLog): string | undefined {
  const name = event.state?.name ?? '';
  const phase = (event.state?.output as { phase?: string } | undefined)?.phase;
  switch (event.type) {
    case 'ExecutionStarted':
      return 'execution started';
    case 'StateEntered':
      return name === 'WaitGrace'
        ? 'WaitGrace entered (grace period: old and new both work)'
        : undefined;
    case 'StateExited':
      return phase ? `${name} done: phase ${phase}` : `${name} done`;
    case 'StateRetried':
      return `${name} retried`;
    case 'StateFailed':
      return `${name} failed: ${event.Error ?? ''}`;
    case 'ExecutionSucceeded':
      return 'execution succeeded';
    case 'ExecutionFailed':
      return `execution failed: ${event.Error ?? ''}`;
    default:
      return undefined;
  }
}

/** The SNS messages published from index `from` on: type and severity attributes. */
export function snsTable(aws: OfflineAws, from = 0): string {
  return table(
    ['#', 'TYPE', 'CLUSTER', 'SEVERITY'],
    aws.sns.published
      .slice(from)
      .map((m, i) => [
        String(from + i + 1),
        m.attributes.type?.stringValue ?? '',
        m.attributes.cluster?.stringValue ?? '',
        m.attributes.severity?.stringValue ?? '',
      ]),
  );
}

/** The SSM parameters under `path`, SecureString values masked. */
export async function parametersTable(deps: ControlDeps, path: string): Promise<string> {
  const parameters = await deps.parameters.list(path, { recursive: true });
  return table(
    ['NAME', 'TYPE', 'VERSION', 'VALUE'],
    parameters.map((p) => [
      p.name,
      p.isSecure ? 'SecureString' : 'String',
      String(p.version),
      p.isSecure ? '********' : p.value,
    ]),
  );
}
