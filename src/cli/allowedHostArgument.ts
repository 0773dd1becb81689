import { InvalidArgumentError } from 'commander';

/** Commander parser of `--allowed-host`: repeatable, and comma-separated (its env form) names, added to the previous ones. */
export function allowedHostArgument(text: string, previous: readonly string[]): string[] {
  const names = text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  const bad = names.find((name) => !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a host name; give the name alone, without scheme or port, e.g. collector or events.example.com`);
  return [...previous, ...names];
}
