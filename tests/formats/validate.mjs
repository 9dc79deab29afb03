// SPDX-License-Identifier: Apache-2.0
/*
 * Checks a file written by resq-flame against the format's own definition:
 *
 *   node validate.mjs speedscope FILE    speedscope's file-format-schema.json
 *                                        (shipped in the speedscope npm package)
 *   node validate.mjs cpuprofile FILE    the Profiler.Profile type of the Chrome
 *                                        DevTools protocol (devtools-protocol)
 *
 * The schema is checked with ajv, then what a schema cannot say: frame
 * indices in range, one weight per sample, node ids unique, children and
 * samples naming existing nodes, a tree rooted at the first node, hitCount
 * equal to the samples of each node, one time delta per sample.
 * Prints "validate: ok" and exits 0, else names the first problem and
 * exits 1.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';

const require = createRequire(import.meta.url);

class Failure extends Error {}
function check(cond, msg) {
	if (!cond)
		throw new Failure(msg);
}

function ajvCheck(schema, data, what) {
	const ajv = new Ajv({ allErrors: true, strict: false });
	const validate = ajv.compile(schema);
	if (!validate(data)) {
		const errs = validate.errors.slice(0, 5)
			.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
		throw new Failure(`not valid against ${what}: ${errs}`);
	}
}

function checkSpeedscope(doc) {
	const schema = JSON.parse(readFileSync(
		require.resolve('speedscope/dist/release/file-format-schema.json'), 'utf8'));
	ajvCheck(schema, doc, "speedscope's file-format-schema.json");
	const nframes = doc.shared.frames.length;
	check(doc.profiles.length > 0, 'no profiles');
	for (const [pi, p] of doc.profiles.entries()) {
		check(p.type === 'sampled', `profiles[${pi}] is not sampled`);
		check(p.samples.length === p.weights.length,
		      `profiles[${pi}]: ${p.samples.length} samples but ${p.weights.length} weights`);
		let sum = 0;
		for (const [si, s] of p.samples.entries()) {
			check(s.length > 0, `profiles[${pi}].samples[${si}] is empty`);
			for (const f of s)
				check(Number.isInteger(f) && f >= 0 && f < nframes,
				      `profiles[${pi}].samples[${si}] names frame ${f} of ${nframes}`);
		}
		for (const w of p.weights) {
			check(w >= 0, `negative weight ${w}`);
			sum += w;
		}
		check(Math.abs(p.endValue - p.startValue - sum) <= 1e-6 * Math.max(1, sum),
		      `profiles[${pi}]: endValue - startValue = ${p.endValue - p.startValue}, weights sum to ${sum}`);
	}
	return `${nframes} frames, ${doc.profiles[0].samples.length} samples`;
}

/* The protocol's type definitions as a JSON schema. */
function protocolSchema() {
	const proto = require('devtools-protocol/json/js_protocol.json');
	const defs = {};
	for (const d of proto.domains)
		for (const t of d.types || [])
			defs[`${d.domain}.${t.id}`] = { domain: d.domain, t };
	const convert = (x, domain) => {
		if (x.$ref) {
			const name = x.$ref.includes('.') ? x.$ref : `${domain}.${x.$ref}`;
			check(defs[name], `protocol type ${name} not found`);
			return { $ref: `#/definitions/${name}` };
		}
		const s = {};
		if (x.type === 'integer' || x.type === 'number' || x.type === 'string' ||
		    x.type === 'boolean')
			s.type = x.type;
		if (x.enum)
			s.enum = x.enum;
		if (x.type === 'array') {
			s.type = 'array';
			s.items = convert(x.items, domain);
		}
		if (x.type === 'object') {
			s.type = 'object';
			if (x.properties) {
				s.properties = {};
				s.required = [];
				for (const p of x.properties) {
					s.properties[p.name] = convert(p, domain);
					if (!p.optional)
						s.required.push(p.name);
				}
			}
		}
		return s;
	};
	const definitions = {};
	for (const [name, { domain, t }] of Object.entries(defs))
		definitions[name] = convert(t, domain);
	return { definitions, $ref: '#/definitions/Profiler.Profile' };
}

function checkCpuprofile(doc) {
	ajvCheck(protocolSchema(), doc, 'the DevTools protocol type Profiler.Profile');
	const byId = new Map();
	for (const n of doc.nodes) {
		check(!byId.has(n.id), `node id ${n.id} appears twice`);
		byId.set(n.id, n);
	}
	check(doc.nodes.length > 0 && doc.nodes[0].callFrame.functionName === '(root)',
	      'the first node is not (root)');
	const parent = new Map();
	for (const n of doc.nodes)
		for (const c of n.children || []) {
			check(byId.has(c), `node ${n.id} has a child ${c} that does not exist`);
			check(!parent.has(c), `node ${c} has two parents`);
			parent.set(c, n.id);
		}
	for (const n of doc.nodes.slice(1)) {
		let x = n.id, steps = 0;
		while (parent.has(x) && steps++ <= doc.nodes.length)
			x = parent.get(x);
		check(x === doc.nodes[0].id, `node ${n.id} is not below the root`);
	}
	const samples = doc.samples || [];
	const deltas = doc.timeDeltas || [];
	check(samples.length === deltas.length,
	      `${samples.length} samples but ${deltas.length} timeDeltas`);
	const hits = new Map();
	for (const s of samples) {
		check(byId.has(s), `a sample names node ${s}, which does not exist`);
		hits.set(s, (hits.get(s) || 0) + 1);
	}
	for (const n of doc.nodes)
		check((n.hitCount || 0) === (hits.get(n.id) || 0),
		      `node ${n.id}: hitCount ${n.hitCount} but ${hits.get(n.id) || 0} samples`);
	let t = doc.startTime;
	for (const d of deltas) {
		check(d >= 0, `negative time delta ${d}`);
		t += d;
	}
	check(doc.endTime >= t, `endTime ${doc.endTime} before the last sample at ${t}`);
	return `${doc.nodes.length} nodes, ${samples.length} samples`;
}

const [kind, file] = process.argv.slice(2);
if (!file || (kind !== 'speedscope' && kind !== 'cpuprofile')) {
	console.error('usage: node validate.mjs speedscope|cpuprofile FILE');
	process.exit(2);
}
try {
	const doc = JSON.parse(readFileSync(file, 'utf8'));
	const what = kind === 'speedscope' ? checkSpeedscope(doc) : checkCpuprofile(doc);
	console.log(`validate: ok (${kind}, ${what})`);
} catch (e) {
	if (!(e instanceof Failure) && !(e instanceof SyntaxError))
		throw e;
	console.error(`validate: ${file}: ${e.message}`);
	process.exit(1);
}
