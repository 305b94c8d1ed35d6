// Placeholder entry of the api Lambda, so that `cdk synth` can bundle it; the real handler
// replaces this file.
export const handler = async (): Promise<never> => {
  throw new Error('not built yet');
};
