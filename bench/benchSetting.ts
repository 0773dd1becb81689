import { ConfigError } from '../src/errors/ConfigError.js';

/**
 * A bench's whole-number setting from the environment, `fallback` when unset. Anything else
 * than a positive whole number stops the bench before it starts, naming the variable.
 */
export function benchSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(name, `must be a positive whole number, got "${text}"; unset it for the default (${fallback})`);
  }
  return value;
}
