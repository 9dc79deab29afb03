// SPDX-License-Identifier: Apache-2.0
// Helper module of workload.js: its area() shares a name with workload.js's.
'use strict';

function area(ms) {
  const end = performance.now() + ms;
  let acc = 0;
  while (performance.now() < end)
    for (let i = 0; i < 2000; i++) acc += Math.PI * i * i;
  return acc;
}

module.exports = { area };
