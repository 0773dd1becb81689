import { redactUrlPasswords } from './redactUrlPasswords.js';

/**
 * Flags whose values are secrets: shown as `***` by the API, logs and listings. `run` refuses
 * `--kafka-password` (the password comes from the environment or a file), but a submission
 * that carries one must not show it either.
 */
const SECRET_FLAGS = ['--influx-token', '--kafka-password'];

/**
 * The submitted flags with every secret replaced, in both `--flag value` and `--flag=value` forms,
 * and the password of any URL among them (`--influx-url http://user:pw@host`).
 */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = SECRET_FLAGS.find((flag) => arg.startsWith(`${flag}=`));
    if (inline !== undefined) {
      out.push(`${inline}=***`);
    } else if (SECRET_FLAGS.includes(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(redactUrlPasswords(arg));
    }
  }
  return out;
}
