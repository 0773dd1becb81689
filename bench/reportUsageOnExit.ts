// Preloaded by `npm run bench:cli` into both processes it compares (node --import): writes the
// process's resource usage (CPU time of all its threads, peak RSS) as JSON to
// $CLI_BENCH_USAGE_FILE when it exits. Costs both sides the same ~1 ms.
import { writeFileSync } from 'node:fs';

const file = process.env.CLI_BENCH_USAGE_FILE;
if (file !== undefined) process.on('exit', () => writeFileSync(file, JSON.stringify(process.resourceUsage())));
