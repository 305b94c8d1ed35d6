// Placeholder entry of the probe Lambda, so that `cdk synth` can bundle it; the real handler
// replaces this file.
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};
