// SPDX-License-Identifier: Apache-2.0
/*
 * The reference for tests/test_v8.c, computed from a .cpuprofile with plain
 * JavaScript and no resq-flame code: the inclusive share of every function
 * (each sample counted once per function on its stack, recursion or not).
 *
 *   node v8_shares.mjs FILE [--time]
 *
 * Prints "PERCENT<TAB>FRAME" lines, FRAME named as resq-flame documents it:
 * "name (url:line:col)" with file:// dropped and 1-based line and column,
 * "(anonymous)" for an empty name, just the name without a url; "(root)"
 * is left out. By default each sample weighs 1; with --time it weighs the
 * time until the next sample (the last one: until endTime).
 */
import { readFileSync } from 'node:fs';

const [file, mode] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes)
	for (const c of n.children || [])
		parent.set(c, n.id);

function frameName(cf) {
	const name = cf.functionName || '(anonymous)';
	if (!cf.url)
		return name;
	const url = cf.url.startsWith('file://') ? cf.url.slice(7) : cf.url;
	if (cf.lineNumber < 0)
		return `${name} (${url})`;
	if (cf.columnNumber < 0)
		return `${name} (${url}:${cf.lineNumber + 1})`;
	return `${name} (${url}:${cf.lineNumber + 1}:${cf.columnNumber + 1})`;
}

const weights = prof.samples.map(() => 1);
if (mode === '--time') {
	const at = [];
	let t = prof.startTime;
	for (const d of prof.timeDeltas)
		at.push((t += d));
	for (let i = 0; i < at.length; i++)
		weights[i] = Math.max(0, (i + 1 < at.length ? at[i + 1] : Math.max(prof.endTime, at[i])) - at[i]);
}

const incl = new Map();
let total = 0;
prof.samples.forEach((id, i) => {
	const seen = new Set();
	for (let x = id; x !== undefined; x = parent.get(x)) {
		const cf = byId.get(x).callFrame;
		if (parent.get(x) === undefined && cf.functionName === '(root)')
			break;
		const name = frameName(cf);
		if (!seen.has(name)) {
			seen.add(name);
			incl.set(name, (incl.get(name) || 0) + weights[i]);
		}
	}
	total += weights[i];
});
for (const [name, w] of [...incl].sort((a, b) => b[1] - a[1]))
	console.log(`${(100 * w / total).toFixed(4)}\t${name}`);
