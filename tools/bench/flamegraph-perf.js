#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/*
 * Runs thlorenz/flamegraph on `perf script` text from stdin and writes the
 * SVG to stdout. Its own CLI cannot be used for perf input: it drops
 * `-t perf` (the type never reaches cpuprofilify), and auto-detection looks
 * only at the first line, with a pattern that needs a timestamp. So this
 * passes the library's documented option, profile.type = 'perf', itself.
 * Usage: node flamegraph-perf.js NODE_MODULES_DIR < in.perf > out.svg
 */
'use strict';

var path = require('path');
var fromStream = require(path.join(process.argv[2], 'flamegraph', 'from-stream'));

fromStream(process.stdin, { profile: { type: 'perf' } }).pipe(process.stdout);
