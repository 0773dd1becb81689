#!/usr/bin/env node
// Signal handlers first, then the CLI: static imports would all be loaded before any handler
// could be installed, so the CLI comes in with a dynamic import once SIGINT/SIGTERM are caught.
// Both from the bundle (scripts/build.mjs), which shares one shutdown signal between them.
import { installShutdownHandlers } from '../dist/src/bundle/shutdownSignal.js';

installShutdownHandlers();
await import('../dist/src/bundle/main.js');
