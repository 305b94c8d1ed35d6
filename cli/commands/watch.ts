// `redis-ha watch`: the long-running control loop on one machine. Subscribes to every
// sentinel, probes on events and every interval, logs transitions as JSON lines, and stops
// cleanly on SIGINT/SIGTERM: one "stopped" line, exit 0, and no warning about the subscriptions
// it closes itself. At every tick it also starts due rotations and finishes those whose
// grace period has ended.
import { runDueRotations } from '../../functions/control/rotation-schedule';
import { Watcher } from '../../functions/control/watcher';
import { localRotationDeps } from '../../functions/wiring/local';
import { rotationLeaseMs } from './rotate';
import { describeEvent } from './events';
import { controlDeps, loadInventory, openBackend, type GlobalOptions, type Io } from '../context';
import { ExitCode } from '../exit-codes';

export async function watchCommand(
  flags: { intervalMs?: number; signal: AbortSignal },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const inventory = loadInventory(options.inventory);
  const backend = openBackend(options, (event) => io.stdout(`${describeEvent(event)}\n`));
  const deps = controlDeps(backend, options, io);
  const rotations = localRotationDeps(deps);
  const leaseMs = rotationLeaseMs(io.env);
  const watcher = new Watcher(inventory, deps, {
    probeIntervalMs: flags.intervalMs ?? inventory.probeIntervalSeconds * 1000,
    signal: flags.signal,
    hooks: { onTick: () => runDueRotations(inventory, rotations, leaseMs) },
  });
  try {
    await watcher.start();
    await runDueRotations(inventory, rotations, leaseMs);
    io.stderr(`watching ${inventory.clusters.length} cluster(s); Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      if (flags.signal.aborted) resolve();
      flags.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await watcher.stop();
    backend.close();
  }
  io.stderr(`stopped watching ${inventory.clusters.length} cluster(s)\n`);
  return ExitCode.ok;
}
