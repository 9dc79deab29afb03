// SPDX-License-Identifier: Apache-2.0
/*
 * Drives headless Chromium over a flame graph written by resq-flame and
 * checks what a user does with it: click a frame to zoom (it then spans
 * the full width, ancestors dimmed, the rest hidden), search with Ctrl-F
 * and the Search control ("Matched: P%"), undo with Escape and with Reset
 * Zoom (every frame back where it was), and ?s=REGEX pre-applying a search.
 *
 *   node svg.test.mjs FILE.svg [--zoom NAME] [--search REGEX] [--expect PCT]
 *                              [--screenshot OUT.png]
 *
 * Without --zoom it zooms into the widest frame below the root's children;
 * without --expect it checks the matched share against the one computed
 * here from the frames' titles. Exits 0 when every check passes, else 1
 * with a message naming the failed check.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

function usage(msg) {
	console.error(`svg.test: ${msg}`);
	console.error('usage: node svg.test.mjs FILE.svg [--zoom NAME] [--search REGEX] ' +
		      '[--expect PCT] [--screenshot OUT.png]');
	process.exit(2);
}

const args = { file: null, zoom: null, search: null, expect: null, screenshot: null };
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	const next = () => {
		if (i + 1 >= process.argv.length)
			usage(`${a} needs a value`);
		return process.argv[++i];
	};
	if (a === '--zoom') args.zoom = next();
	else if (a === '--search') args.search = next();
	else if (a === '--expect') args.expect = parseFloat(next());
	else if (a === '--screenshot') args.screenshot = next();
	else if (a.startsWith('--')) usage(`unknown option ${a}`);
	else if (!args.file) args.file = a;
	else usage(`unexpected argument ${a}`);
}
if (!args.file)
	usage('no SVG file given');
if (!existsSync(args.file))
	usage(`${args.file}: no such file`);

class Failure extends Error {}
function check(cond, msg) {
	if (!cond)
		throw new Failure(msg);
}
const near = (a, b, tol = 0.21) => Math.abs(a - b) <= tol;

/* Every frame as the page shows it now. */
async function snapshot(page) {
	return page.evaluate(() => {
		const out = [];
		for (const g of document.getElementById('frames').children) {
			const r = g.querySelector('rect');
			out.push({
				info: g.querySelector('title').textContent,
				x: parseFloat(r.getAttribute('x')),
				w: parseFloat(r.getAttribute('width')),
				y: parseFloat(r.getAttribute('y')),
				sx: parseFloat(r.getAttribute('fg:x')),
				sw: parseFloat(r.getAttribute('fg:w')),
				fill: r.getAttribute('fill'),
				cls: g.getAttribute('class') || '',
				shown: g.getBoundingClientRect().width > 0,
			});
		}
		return out;
	});
}

const nameOf = (info) => {
	const m = /^(.*) \(-?[0-9][^()]*\)$/s.exec(info);
	return m ? m[1] : info;
};

async function frameCenter(page, index) {
	return page.evaluate((i) => {
		const r = document.getElementById('frames').children[i].querySelector('rect');
		r.scrollIntoView({ block: 'center', inline: 'center' });
		const b = r.getBoundingClientRect();
		return { x: b.left + b.width / 2, y: b.top + b.height / 2, w: b.width };
	}, index);
}

async function text(page, id) {
	return page.evaluate((i) => document.getElementById(i).textContent, id);
}

async function main() {
	const profileDir = mkdtempSync(join(tmpdir(), 'resq-chromium-'));
	const url = pathToFileURL(resolve(args.file)).href;
	let browser;
	try {
		/* A fresh profile directory (playwright passes it as --user-data-dir). */
		browser = await chromium.launchPersistentContext(profileDir, {
			executablePath: '/usr/bin/chromium',
			headless: true,
			viewport: { width: 1300, height: 900 },
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
			       '--disable-component-update', '--no-first-run', '--disable-sync',
			       '--disable-quic'],
		});
		const page = browser.pages()[0] || await browser.newPage();
		page.setDefaultTimeout(30000);
		const errors = [];
		page.on('pageerror', (e) => errors.push(String(e)));
		let answer = null;
		let dialogs = 0;
		page.on('dialog', async (d) => {
			dialogs++;
			if (answer === null)
				await d.dismiss();
			else
				await d.accept(answer);
		});

		await page.goto(url, { waitUntil: 'load' });
		const root = await page.evaluate(() => {
			const s = document.documentElement;
			return {
				width: parseFloat(s.getAttribute('width')),
				xpad: parseFloat(s.getAttribute('fg:xpad')),
				total: parseFloat(s.getAttribute('fg:total')),
				searchColor: s.getAttribute('fg:searchcolor'),
			};
		});
		check(root.total > 0, 'the root element has no fg:total: not a resq-flame flame graph');
		const graphW = root.width - 2 * root.xpad;
		const orig = await snapshot(page);
		check(orig.length > 2, `only ${orig.length} frames in the graph`);
		check(near(orig[0].w, graphW) && orig[0].info.startsWith('all ('),
		      `the first frame is not the full-width root: ${orig[0].info} w=${orig[0].w}`);
		if (args.screenshot)
			await page.screenshot({ path: args.screenshot });

		/* Zoom: pick the frame, click its middle. */
		let zi = -1;
		if (args.zoom) {
			zi = orig.findIndex((f) => nameOf(f.info) === args.zoom);
			check(zi >= 0, `no frame named ${args.zoom}`);
		} else {
			const rootY = orig[0].y;
			for (let i = 0; i < orig.length; i++) {
				if (Math.abs(orig[i].y - rootY) >= 2 * Math.abs(orig[1].y - rootY) - 0.5 &&
				    orig[i].w < graphW * 0.9 && (zi < 0 || orig[i].w > orig[zi].w))
					zi = i;
			}
			check(zi >= 0, 'no frame to zoom into');
		}
		const z = orig[zi];
		check(z.w >= 4, `frame ${nameOf(z.info)} is too narrow to click (${z.w}px)`);
		const c = await frameCenter(page, zi);
		await page.mouse.move(c.x, c.y);
		const hover = await text(page, 'details');
		check(hover.includes(z.info), `hover shows "${hover}", expected the title "${z.info}"`);
		await page.mouse.click(c.x, c.y);
		let now = await snapshot(page);
		check(near(now[zi].x, root.xpad) && near(now[zi].w, graphW),
		      `after clicking ${nameOf(z.info)} its rect is x=${now[zi].x} w=${now[zi].w}, ` +
		      `expected x=${root.xpad} w=${graphW}`);
		const eps = root.total * 1e-9;
		let dimmed = 0, hidden = 0, inside = 0;
		for (let i = 0; i < now.length; i++) {
			const o = orig[i], f = now[i];
			const under = o.sx >= z.sx - eps && o.sx + o.sw <= z.sx + z.sw + eps;
			const above = o.sx <= z.sx + eps && o.sx + o.sw >= z.sx + z.sw - eps;
			const deeper = o.y === z.y ? i === zi : (o.y < z.y) !== (orig[0].y < z.y);
			if (i !== zi && above && !deeper) {
				check(f.cls.includes('dim') && f.shown && near(f.w, graphW),
				      `ancestor ${nameOf(o.info)} is not shown dimmed at full width`);
				dimmed++;
			} else if (under && (deeper || i === zi)) {
				check(f.shown && !f.cls.includes('dim'), `${nameOf(o.info)} inside the zoom is not shown`);
				check(near(f.w, o.sw / z.sw * graphW, 0.2),
				      `${nameOf(o.info)} inside the zoom has width ${f.w}, ` +
				      `expected ${(o.sw / z.sw * graphW).toFixed(1)}`);
				inside++;
			} else {
				check(!f.shown, `${nameOf(o.info)} outside the zoom is still shown`);
				hidden++;
			}
		}
		check(dimmed >= 1, 'no ancestor stayed visible');
		check(await page.evaluate(() => !document.getElementById('unzoom').classList.contains('hide')),
		      'Reset Zoom is not shown while zoomed');

		/* Search with Ctrl-F while zoomed. */
		const term = args.search || nameOf(z.info).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		const re = new RegExp(term);
		let expect = args.expect;
		if (expect === null || Number.isNaN(expect)) {
			const spans = orig.filter((f) => re.test(nameOf(f.info))).map((f) => [f.sx, f.sx + f.sw])
				.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
			let sum = 0, end = -Infinity;
			for (const [s, e] of spans) {
				if (s >= end) { sum += e - s; end = e; } else if (e > end) { sum += e - end; end = e; }
			}
			expect = 100 * sum / root.total;
		}
		answer = term;
		await page.keyboard.press('Control+f');
		check(dialogs === 1, 'Ctrl-F did not open the search prompt');
		let m = await text(page, 'matched');
		let mm = /^Matched: ([0-9.]+)%$/.exec(m);
		check(mm, `after searching for ${term} the matched line says "${m}"`);
		check(Math.abs(parseFloat(mm[1]) - expect) <= 0.006,
		      `Matched: ${mm[1]}%, expected ${expect.toFixed(2)}% for ${term}`);
		now = await snapshot(page);
		const lit = now.filter((f) => f.fill === root.searchColor).length;
		const want = orig.filter((f) => re.test(nameOf(f.info))).length;
		check(lit === want && want > 0, `${lit} frames highlighted, expected ${want}`);

		/* Escape undoes the zoom: every frame back where it was. */
		await page.keyboard.press('Escape');
		now = await snapshot(page);
		for (let i = 0; i < now.length; i++) {
			check(now[i].x === orig[i].x && now[i].w === orig[i].w && now[i].shown &&
			      !now[i].cls.includes('dim'),
			      `after Escape ${nameOf(orig[i].info)} is at x=${now[i].x} w=${now[i].w}` +
			      `${now[i].shown ? '' : ' hidden'}, was x=${orig[i].x} w=${orig[i].w}`);
		}
		check(/^Matched: /.test(await text(page, 'matched')), 'Escape out of the zoom also cleared the search');

		/* Zoom again and undo with the Reset Zoom control. */
		await page.mouse.click(c.x, c.y);
		now = await snapshot(page);
		check(near(now[zi].w, graphW), 'second zoom did not take');
		await page.click('#unzoom');
		now = await snapshot(page);
		for (let i = 0; i < now.length; i++)
			check(now[i].x === orig[i].x && now[i].w === orig[i].w && now[i].shown,
			      `after Reset Zoom ${nameOf(orig[i].info)} is at x=${now[i].x} w=${now[i].w}`);

		/* The Search control prompts too; an empty answer clears. */
		answer = '';
		await page.click('#search');
		check(dialogs === 2, 'the Search control did not open the prompt');
		m = await text(page, 'matched');
		check(!/Matched/.test(m), `clearing the search left "${m}"`);
		now = await snapshot(page);
		check(now.every((f, i) => f.fill === orig[i].fill), 'clearing the search left frames highlighted');

		/* ?s=REGEX pre-applies the search. */
		answer = null;
		await page.goto(`${url}?s=${encodeURIComponent(term)}`, { waitUntil: 'load' });
		m = await text(page, 'matched');
		mm = /^Matched: ([0-9.]+)%$/.exec(m);
		check(mm && Math.abs(parseFloat(mm[1]) - expect) <= 0.006,
		      `with ?s=${term} the matched line says "${m}", expected ${expect.toFixed(2)}%`);
		now = await snapshot(page);
		check(now.filter((f) => f.fill === root.searchColor).length === want,
		      `with ?s=${term} the matching frames are not highlighted`);
		check(errors.length === 0, `script errors: ${errors.join('; ')}`);
		console.log(`svg.test: ok: ${orig.length} frames; zoomed into ${nameOf(z.info)} ` +
			    `(${inside} inside, ${dimmed} ancestors dimmed, ${hidden} hidden); ` +
			    `search ${term}: ${mm[1]}%`);
		return 0;
	} finally {
		if (browser)
			await browser.close();
		rmSync(profileDir, { recursive: true, force: true });
	}
}

main().then((code) => process.exit(code), (e) => {
	console.error(e instanceof Failure ? `svg.test: FAIL: ${e.message}` : `svg.test: ERROR: ${e.stack || e}`);
	process.exit(1);
});
