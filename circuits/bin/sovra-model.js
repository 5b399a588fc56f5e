#!/usr/bin/env node
// Runs the TypeScript entry with Node 22's type stripping (no build step).
import "../src/cli/sovra-model.ts";
