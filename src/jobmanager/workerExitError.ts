import type { WorkerError } from './WorkerMessage.js';

/** Lines of a worker's stderr kept in its failure message besides the error line. */
const TAIL_LINES = 4;
/** A failure message stays readable in `clickflow list`'s logs and `status`. */
const MAX_MESSAGE_CHARS = 1_500;

/**
 * Lines that say nothing about the failure: stack frames (`at …`), V8's native frames
 * (` 3: 0x10fb205 …`), the caret under a source line, a thrown object's closing brace and
 * Node's `Node.js v20.x` footer. They are most of a crash's last lines.
 */
function isNoise(line: string): boolean {
  return /^(at\s|\d+:\s+0x[0-9a-f]+|\^+$|[{}[\]],?$|Node\.js v\d|-{3,}|<-{3})/.test(line);
}

/**
 * Where the error Node printed last starts (`TypeError: …`, `Error [ERR_X]: …`): what ended
 * the process is printed last.
 */
function errorLineIndex(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (/^(?:[\w$.]*(?:Error|Exception)\b[^:]*:|FATAL ERROR:)/.test(lines[i]!)) return i;
  return -1;
}

/**
 * Why a worker ended without reporting a final status, from how its process ended and the
 * tail of its stderr: the error Node printed without its stack frames (or the last lines said,
 * when there is no such error), or, for a heap exhausted, that plainly with what to do about
 * it. A worker that died this way (killed, out of memory, a native crash) may well run if
 * started again: retriable, so the job's restart strategy decides.
 */
export function workerExitError(code: number | null, signal: NodeJS.Signals | null, stderr: string): WorkerError {
  const how = signal === null ? `with code ${code}` : `on ${signal}`;
  if (stderr.includes('JavaScript heap out of memory')) {
    return {
      name: 'WorkerOutOfMemory',
      message:
        `the job's process ran out of memory (JavaScript heap out of memory) and exited ${how}: ` +
        'give it a bigger heap by starting the job manager with NODE_OPTIONS=--max-old-space-size=<MiB> ' +
        '(its workers inherit it), or make the job keep less state (fewer distinct keys, shorter windows or sessions)',
      retriable: true,
    };
  }
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !isNoise(line));
  // The error line and what Node printed of the error below it (its properties, its cause);
  // without one, the last lines said.
  const at = errorLineIndex(lines);
  const said = (at === -1 ? lines.slice(-TAIL_LINES) : lines.slice(at, at + 1 + TAIL_LINES)).join(' | ');
  // A clean exit with nothing said: the worker reports how every job ends before it exits, so
  // only code that ends the process itself (process.exit() in a job module) gets here.
  const hint = code === 0 && signal === null ? ' before reporting how the job ended (does the job call process.exit()?)' : '';
  const message = `the job's process exited ${how}${hint}${said === '' ? '' : `: ${said}`}`;
  return {
    name: 'WorkerExit',
    message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message,
    retriable: true,
  };
}
