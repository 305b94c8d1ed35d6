// A parameter store that refuses one write: a publish that fails part-way, for rotation tests.
import type { ParameterStore } from '../../functions/core/ports';

/** `store`, whose first put of `name` fails (a platform parameter write refused). */
export function failingPut(store: ParameterStore, name: string): ParameterStore {
  let hasFailed = false;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'put')
        return (key: string, text: string, options: { readonly isSecure: boolean }) => {
          if (key === name && !hasFailed) {
            hasFailed = true;
            return Promise.reject(new Error(`simulated failure writing ${key}`));
          }
          return target.put(key, text, options);
        };
      const member: unknown = Reflect.get(target, property, target);
      return typeof member === 'function'
        ? (member as (...a: unknown[]) => unknown).bind(target)
        : member;
    },
  });
}
