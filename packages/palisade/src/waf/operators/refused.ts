import type { OperatorFactory } from '../types.js';

/** An operator Palisade does not run: loading a rule that uses it fails with the reason. */
export function refused(name: string, reason: string): OperatorFactory {
  return {
    name,
    create() {
      throw new Error(`@${name} is not supported: ${reason}`);
    },
  };
}
