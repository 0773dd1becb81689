#!/usr/bin/env node
// Signal handlers first, then the CLI: static imports would all be loaded before any handler
// could be installed, so the CLI comes in with a dynamic import once SIGINT/SIGTERM are caught.
import { installShutdownHandlers } from '../dist/src/cli/shutdownSignal.js';

installShutdownHandlers();
await import('../dist/src/cli/main.js');
