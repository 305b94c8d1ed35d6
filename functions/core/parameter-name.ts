// Parameter Store's naming rules, checked locally so that an inventory (or a `params put`)
// that works against the local store also deploys to AWS SSM. Pure.

/** Parameter Store's limit on a name, in characters. */
export const MAX_PARAMETER_NAME_CHARS = 1011;
/** Parameter Store's limit on the depth of a hierarchy. */
export const MAX_PARAMETER_LEVELS = 15;
const ALLOWED = /^[A-Za-z0-9_.\-/]+$/;
const RESERVED_PREFIX = /^\/?(aws|ssm)/i;

/**
 * Why `name` is not a valid Parameter Store name, as one sentence that quotes it; undefined
 * when it is valid. Rules: letters, digits and `_ . - /` only; a hierarchical name starts
 * with `/` and has no empty level; at most 15 levels and 1011 characters; no `aws`/`ssm`
 * prefix in any case.
 */
export function parameterNameProblem(name: string): string | undefined {
  const quoted = JSON.stringify(name);
  if (name.length === 0) return 'expected a parameter name';
  if (name.length > MAX_PARAMETER_NAME_CHARS)
    return `${JSON.stringify(`${name.slice(0, 24)}…`)}: at most ${MAX_PARAMETER_NAME_CHARS} characters (Parameter Store), got ${name.length}`;
  if (!ALLOWED.test(name))
    return `${quoted}: only letters, digits and _ . - / are allowed (Parameter Store)`;
  if (name.includes('/') && !name.startsWith('/'))
    return `${quoted}: a name with / levels must start with / (Parameter Store)`;
  if (name.includes('//') || (name.length > 1 && name.endsWith('/')) || name === '/')
    return `${quoted}: empty level (Parameter Store names have no // and no trailing /)`;
  const levels = name.split('/').length - 1;
  if (levels > MAX_PARAMETER_LEVELS)
    return `${quoted}: ${levels} levels, at most ${MAX_PARAMETER_LEVELS} (Parameter Store)`;
  if (RESERVED_PREFIX.test(name))
    return `${quoted}: names may not start with "aws" or "ssm" in any case (reserved by Parameter Store)`;
  return undefined;
}
