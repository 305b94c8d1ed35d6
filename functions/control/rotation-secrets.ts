// The in-flight passwords of a rotation, kept only in the parameter store: the new one as
// `<parameter>/pending` and the old one as `<parameter>/previous`, written before Redis is
// touched and deleted when the rotation ends. Never logs, journals or returns them elsewhere.
import { RedisHaError } from '../core/errors';
import { isSentinel, type Cluster } from '../core/inventory';
import type { ParameterStore } from '../core/ports';
import { generatePassword, pendingParameterName, previousParameterName } from '../core/rotation';
import type { PasswordPair, RotationSecrets } from './rotation-steps';

/** The parameters that rotate: the data password, and the sentinels' when configured. */
function rotatingParameters(cluster: Cluster): string[] {
  if (!isSentinel(cluster)) return [cluster.passwordParameter];
  const { passwordParameter, sentinelPasswordParameter, rotation } = cluster;
  return rotation.rotateSentinelPassword && sentinelPasswordParameter
    ? [passwordParameter, sentinelPasswordParameter]
    : [passwordParameter];
}

/** Step 2: a new password per rotating parameter, stored with the current one as previous. */
export async function storePending(
  cluster: Cluster,
  parameters: ParameterStore,
  randomBytes: (size: number) => Uint8Array,
): Promise<RotationSecrets> {
  const { alphabet, length } = cluster.rotation;
  const pairs: PasswordPair[] = [];
  for (const name of rotatingParameters(cluster)) {
    const current = (await parameters.get(name))?.value;
    if (!current) throw new RedisHaError('PASSWORD_MISSING', `parameter ${name} is not set`);
    const newPassword = generatePassword(alphabet, length, randomBytes);
    // Both copies land before Redis is touched: a crash from here on never loses a password.
    await parameters.put(previousParameterName(name), current, { isSecure: true });
    await parameters.put(pendingParameterName(name), newPassword, { isSecure: true });
    pairs.push({ oldPassword: current, newPassword });
  }
  return toSecrets(pairs);
}

/** The stored pairs of a rotation in flight (after step 2). */
export async function loadSecrets(
  cluster: Cluster,
  parameters: ParameterStore,
): Promise<RotationSecrets> {
  const names = rotatingParameters(cluster);
  const found = await parameters.getMany(
    names.flatMap((n) => [previousParameterName(n), pendingParameterName(n)]),
  );
  const pairs = names.map((name) => {
    const oldPassword = found.get(previousParameterName(name))?.value;
    const newPassword = found.get(pendingParameterName(name))?.value;
    if (!oldPassword || !newPassword) {
      throw new RedisHaError(
        'ROTATION_SECRETS_MISSING',
        `the pending or previous copy of ${name} is missing`,
      );
    }
    return { oldPassword, newPassword };
  });
  return toSecrets(pairs);
}

/** Removes the pending and previous copies (a missing one is fine). */
export async function deleteInFlightCopies(
  cluster: Cluster,
  parameters: ParameterStore,
): Promise<void> {
  for (const name of rotatingParameters(cluster)) {
    await parameters.delete(pendingParameterName(name));
    await parameters.delete(previousParameterName(name));
  }
}

function toSecrets([data, sentinel]: PasswordPair[]): RotationSecrets {
  if (!data) throw new RedisHaError('ROTATION_SECRETS_MISSING', 'no password to rotate');
  return sentinel ? { ...data, sentinel } : data;
}
