#!/usr/bin/env node
// The `genai-ops` command. A committed shim, so npm links the bin at install time (before the build).
require('../dist/cli.js').runCli(process.argv);
