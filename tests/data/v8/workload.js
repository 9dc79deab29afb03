// SPDX-License-Identifier: Apache-2.0
// Workload for tests/data/v8/workload.cpuprofile: three hot functions that
// burn CPU in slices of 5, 3 and 2 ms (about 50 %, 30 % and 20 % of the
// run), plus a function named like one in shapes.js, so that the importer
// must tell same-named functions in different files apart.
// usage: node --cpu-prof --cpu-prof-dir=. --cpu-prof-name=workload.cpuprofile workload.js [SECONDS]
'use strict';

const shapes = require('./shapes.js');

/* Spins for @ms milliseconds doing floating-point work. */
function spin(ms, f) {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end)
    for (let i = 0; i < 2000; i++) acc += f(i);
  return acc;
}

function hotAlpha(ms) {
  return spin(ms, (i) => Math.sqrt(i) * 1.0001);
}

function hotBeta(ms) {
  return spin(ms, (i) => Math.sin(i) + Math.cos(i));
}

function area(ms) {
  return spin(ms, (i) => (i * i) % 7);
}

function hotGamma(ms) {
  return area(ms / 2) + shapes.area(ms / 2);
}

const secs = Number(process.argv[2] || 3);
const stop = Date.now() + secs * 1000;
let sink = 0;
while (Date.now() < stop) {
  sink += hotAlpha(5);
  sink += hotBeta(3);
  sink += hotGamma(2);
}
if (sink === 42) console.log(sink);
