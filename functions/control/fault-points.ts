// Named points where a test can make the process crash for real (SIGKILL, no cleanup), to
// prove that every multi-step change resumes correctly. Control only calls them; the runtime's
// wiring decides what they do (functions/wiring/local.ts: REDIS_HA_FAULT), and never in AWS.

export type FaultPoint = (name: string) => void;

export const noFaults: FaultPoint = () => undefined;
