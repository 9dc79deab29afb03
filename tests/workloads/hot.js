// SPDX-License-Identifier: Apache-2.0
// Node workload for JIT symbolization: run with --perf-basic-prof so that V8
// writes /tmp/perf-PID.map; almost all time is in hotFibonacci. Runs until
// the process has used SECONDS of CPU time (all its threads, user and
// system), so a cpu-clock profile holds as many samples on a busy machine.
// usage: node --perf-basic-prof hot.js [SECONDS]   (default 2)
'use strict';

function hotFibonacci(n) {
  return n < 2 ? n : hotFibonacci(n - 1) + hotFibonacci(n - 2);
}

const secs = Number(process.argv[2] || 2);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const end = cpuSeconds() + secs;
let sink = 0;
while (cpuSeconds() < end)
  for (let i = 0; i < 10; i++) sink += hotFibonacci(24);
if (sink < 0) console.log(sink);
