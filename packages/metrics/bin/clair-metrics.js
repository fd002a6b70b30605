#!/usr/bin/env node
// Workspace launcher: runs src/cli.ts without a build (see scripts/source-bin.mjs).
import { runSourceBin } from "../../../scripts/source-bin.mjs";

runSourceBin(import.meta.url);
