// zod/mini ships no locale, so its messages are all "Invalid input": this says what was expected,
// for every boundary that validates with zod/mini (rotation records, task inputs, API requests).
import type * as z from 'zod/mini';

/** What `issue` expected, in words for the person who sent the value. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** `where: path: expected …; path: …`, one entry per issue; `whole` names the value itself. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], whole: string): string {
  return issues
    .map((issue) => `${issue.path.join('.') || whole}: ${describeIssue(issue)}`)
    .join('; ');
}
