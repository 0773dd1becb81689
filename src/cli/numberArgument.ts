import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number >= `min` (`--count`, `--urls`, …). */
export function integerArgument(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`"${text}" must be a whole number of at least ${min}.`);
    }
    return value;
  };
}

/** Commander parser for a share from 0 to 1 (`--error-rate`, `--invalid`). */
export function fractionArgument(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(`"${text}" must be a fraction from 0 to 1, e.g. 0.05.`);
  }
  return value;
}
