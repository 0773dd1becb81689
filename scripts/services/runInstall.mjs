import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs one of the install-*.sh scripts beside this file; resolves with the path it prints. */
export function runInstall(script) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = execFile('bash', [path], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) reject(new Error(`${script} failed (exit ${error.code}); see the messages above`));
      else resolve(stdout.trim().split('\n').pop());
    });
    child.stderr.pipe(process.stderr);
  });
}
