// SPDX-License-Identifier: Apache-2.0
// Node workload for JIT symbolization: run with --perf-basic-prof so that V8
// writes /tmp/perf-PID.map; almost all time is in hotFibonacci.
// usage: node --perf-basic-prof hot.js [SECONDS]   (default 2)
'use strict';

function hotFibonacci(n) {
  return n < 2 ? n : hotFibonacci(n - 1) + hotFibonacci(n - 2);
}

const secs = Number(process.argv[2] || 2);
const end = Date.now() + secs * 1000;
let sink = 0;
while (Date.now() < end) sink += hotFibonacci(24);
if (sink < 0) console.log(sink);
