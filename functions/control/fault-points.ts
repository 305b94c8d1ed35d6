// Named points where a test can make the process crash for real (SIGKILL, no cleanup), to
// prove that every multi-step change resumes correctly. Enabled only by REDIS_HA_FAULT.

export type FaultPoint = (name: string) => void;

export const noFaults: FaultPoint = () => undefined;

/** A fault point that kills this process at `REDIS_HA_FAULT=<name>`. */
export function faultPointsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultPoint {
  const target = env.REDIS_HA_FAULT;
  if (!target) return noFaults;
  return (name) => {
    if (name === target) process.kill(process.pid, 'SIGKILL');
  };
}
