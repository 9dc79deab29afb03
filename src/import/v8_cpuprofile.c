// SPDX-License-Identifier: Apache-2.0
/*
 * V8 CPU profiles (.cpuprofile): what node --cpu-prof, the inspector's
 * Profiler.stop and Chrome DevTools save. Two shapes:
 *
 *   current:  {"nodes": [{"id", "callFrame": {functionName, url, lineNumber,
 *             columnNumber}, "hitCount", "children": [ids] or "parent": id}],
 *             "startTime", "endTime", "samples": [ids], "timeDeltas": [us]}
 *   old:      {"head": {callFrame fields or "callFrame", "hitCount", "selfTime",
 *             "children": [nested nodes]}, "samples", "timestamps"}
 *
 * either of them also wrapped as {"profile": {...}}, the inspector's
 * Profiler.stop result, which services often return as they got it.
 *
 * The "(root)" node is dropped. A frame is named "FUNCTION (FILE:LINE:COL)"
 * (json_internal.h): an empty name is "(anonymous)", FILE is the url without
 * "file://", LINE and COL are 1-based (V8 counts from 0). "(program)",
 * "(idle)" and "(garbage collector)" stay as frames. Frames with a url are
 * JS; those without (V8's pseudo-frames and native callbacks) are native.
 *
 * Weight is the number of samples of each node (hitCount when there is no
 * "samples" array). With --time-weights it is time in microseconds: a
 * sample lasts until the next one (timeDeltas[i + 1]), the last one until
 * endTime; negative gaps (V8 sometimes reorders samples) count as 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "json_internal.h"
#include "log.h"
#include "xalloc.h"

/* The old format nests two JSON levels per stack frame. */
#define V8_MAX_DEPTH 4096

struct node {
	const struct json_value *obj; /* the node object */
	const struct json_value *cf;  /* its call frame: "callFrame", or the node itself */
	int64_t id;
	uint32_t parent; /* index, PROFILE_NONE for a root */
	uint32_t frame;	 /* frame id in the profile being built */
	uint32_t pnode;	 /* profile node; PROFILE_NONE until reached from a root */
	struct count weight;
	bool has_id;
};

struct v8 {
	const struct json_doc *d;
	const struct json_value *top;
	struct node *nodes;
	size_t n, alloc;
	struct hashmap *by_id; /* id -> index */
	const struct json_value *samples, *deltas, *stamps;
	uint32_t *sample_node; /* per sample: index of its node */
	/* Per sample, with --time-weights: its duration in us, @f when not all are integers. */
	union {
		int64_t i;
		double f;
	} *sample_w;
	bool sample_frac;
};

bool v8_cpuprofile__detect(const char *buf, size_t len)
{
	return json__sniff(buf, len) == JSON_SNIFF_V8;
}

static struct node *new_node(struct v8 *v, const struct json_value *obj)
{
	struct node *n;

	ALLOC_GROW(v->nodes, v->n + 1, v->alloc);
	n = &v->nodes[v->n++];
	memset(n, 0, sizeof(*n));
	n->obj = obj;
	n->parent = PROFILE_NONE;
	n->pnode = PROFILE_NONE;
	return n;
}

/* Optional integer member @key of @obj; @path names @obj in messages. */
static int opt_int(struct v8 *v, const struct json_value *obj, const char *key, const char *path,
		   int64_t *out, bool *present)
{
	const struct json_value *m = json__get(v->d, obj, key);

	*present = false;
	if (!m || m->type == JSON_NULL)
		return 0;
	if (!json__int(m, out))
		return json__error(v->d, m, "expected an integer for %s.%s, found %s", path, key,
				   json__type_name(m));
	*present = true;
	return 0;
}

static int opt_string(struct v8 *v, const struct json_value *obj, const char *key, const char *path,
		      const struct json_value **out)
{
	const struct json_value *m = json__get(v->d, obj, key);

	*out = NULL;
	if (!m || m->type == JSON_NULL)
		return 0;
	if (m->type != JSON_STRING)
		return json__error(v->d, m, "expected a string for %s.%s, found %s", path, key,
				   json__type_name(m));
	*out = m;
	return 0;
}

/* Reads id, call frame and hitCount of the node at index @i. */
static int read_node(struct v8 *v, size_t i, const char *path)
{
	struct node *n = &v->nodes[i];
	const struct json_value *cf;
	int64_t hits;
	bool present;
	int err;

	if (n->obj->type != JSON_OBJECT)
		return json__error(v->d, n->obj, "expected an object for %s, found %s", path,
				   json__type_name(n->obj));
	if ((err = opt_int(v, n->obj, "id", path, &n->id, &n->has_id)))
		return err;
	cf = json__get(v->d, n->obj, "callFrame");
	if (cf && cf->type != JSON_OBJECT)
		return json__error(v->d, cf, "expected an object for %s.callFrame, found %s", path,
				   json__type_name(cf));
	n->cf = cf ? cf : n->obj;
	if ((err = opt_int(v, n->obj, "hitCount", path, &hits, &present)))
		return err;
	if (present && hits < 0)
		return json__error(v->d, json__get(v->d, n->obj, "hitCount"),
				   "expected a count of 0 or more for %s.hitCount, found %lld",
				   path, (long long)hits);
	n->weight = (struct count){.i = present ? hits : 0, .f = present ? (double)hits : 0};
	return 0;
}

static int read_current_nodes(struct v8 *v, const struct json_value *nodes)
{
	const struct json_value *it;
	char path[48];
	uint32_t i;
	int err;

	json_for_each(v->d, nodes, it, i) {
		new_node(v, it);
		snprintf(path, sizeof(path), "nodes[%u]", i);
		if ((err = read_node(v, i, path)))
			return err;
		if (!v->nodes[i].has_id)
			return json__error(v->d, it, "expected an integer \"id\" in %s", path);
	}
	return 0;
}

/* The old format: a tree of nested nodes, walked without recursion. */
static int read_head_tree(struct v8 *v, const struct json_value *head)
{
	size_t i;
	int err;

	new_node(v, head);
	/* Nodes are appended in breadth-first order; v->n grows as we go. */
	for (i = 0; i < v->n; i++) {
		const struct json_value *kids, *it;
		char path[48];
		uint32_t k;

		snprintf(path, sizeof(path), i ? "a node below \"head\"" : "head");
		if ((err = read_node(v, i, path)))
			return err;
		kids = json__get(v->d, v->nodes[i].obj, "children");
		if (!kids || kids->type == JSON_NULL)
			continue;
		if (kids->type != JSON_ARRAY)
			return json__error(v->d, kids,
					   "expected an array of nodes for %s.children, found %s",
					   path, json__type_name(kids));
		json_for_each(v->d, kids, it, k)
			new_node(v, it)->parent = i;
	}
	/* Old profiles without samples need no ids; synthesize them. */
	for (i = 0; i < v->n; i++)
		if (!v->nodes[i].has_id)
			v->nodes[i].id = -1 - (int64_t)i;
	return 0;
}

static int index_ids(struct v8 *v)
{
	size_t i;

	v->by_id = hashmap__new();
	for (i = 0; i < v->n; i++) {
		uint64_t prev;

		if (!v->nodes[i].has_id)
			continue;
		if (hashmap__get(v->by_id, (uint64_t)v->nodes[i].id, &prev))
			return json__error(v->d, v->nodes[i].obj,
					   "expected unique node ids, found id %lld again (first "
					   "at byte offset %u)",
					   (long long)v->nodes[i].id, v->nodes[prev].obj->off);
		hashmap__put(v->by_id, (uint64_t)v->nodes[i].id, i);
	}
	return 0;
}

static bool lookup(struct v8 *v, const struct json_value *idv, uint32_t *idx)
{
	int64_t id;
	uint64_t x;

	if (!json__int(idv, &id) || !hashmap__get(v->by_id, (uint64_t)id, &x))
		return false;
	*idx = x;
	return true;
}

/* Parent links of the current format, from "children" lists or "parent" ids. */
static int link_current(struct v8 *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct json_value *kids = json__get(v->d, v->nodes[i].obj, "children"), *it;
		uint32_t k, c;

		if (!kids || kids->type == JSON_NULL)
			continue;
		if (kids->type != JSON_ARRAY)
			return json__error(
				v->d, kids,
				"expected an array of node ids for nodes[%zu].children, found %s",
				i, json__type_name(kids));
		json_for_each(v->d, kids, it, k) {
			if (!lookup(v, it, &c))
				return json__error(v->d, it,
						   "expected the id of a node in "
						   "nodes[%zu].children[%u]; no node has this id",
						   i, k);
			if (v->nodes[c].parent != PROFILE_NONE && v->nodes[c].parent != i)
				return json__error(v->d, it,
						   "expected each node to have one parent, but "
						   "node %lld is a child of nodes %lld and %lld",
						   (long long)v->nodes[c].id,
						   (long long)v->nodes[v->nodes[c].parent].id,
						   (long long)v->nodes[i].id);
			v->nodes[c].parent = i;
		}
	}
	for (i = 0; i < v->n; i++) {
		const struct json_value *pv = json__get(v->d, v->nodes[i].obj, "parent");
		uint32_t par;

		if (!pv || pv->type == JSON_NULL)
			continue;
		if (!lookup(v, pv, &par))
			return json__error(v->d, pv,
					   "expected the id of a node in nodes[%zu].parent; no "
					   "node has this id",
					   i);
		if (v->nodes[i].parent == PROFILE_NONE)
			v->nodes[i].parent = par;
		else if (v->nodes[i].parent != par)
			return json__error(
				v->d, pv,
				"expected nodes[%zu].parent to agree with the \"children\" lists",
				i);
	}
	return 0;
}

/* Interns the frame of every node; "(root)" roots get none. */
static int make_frames(struct v8 *v, struct profile *t)
{
	size_t i;
	int err;

	for (i = 0; i < v->n; i++) {
		struct node *n = &v->nodes[i];
		const struct json_value *fn, *url;
		int64_t line = -1, col = -1;
		const char *name, *file;
		size_t name_len, file_len;
		char path[64];
		bool present;

		if (n->cf == n->obj)
			snprintf(path, sizeof(path), "the node at byte offset %u", n->obj->off);
		else
			snprintf(path, sizeof(path), "the callFrame at byte offset %u", n->cf->off);
		if ((err = opt_string(v, n->cf, "functionName", path, &fn)) ||
		    (err = opt_string(v, n->cf, "url", path, &url)) ||
		    (err = opt_int(v, n->cf, "lineNumber", path, &line, &present)) ||
		    (err = opt_int(v, n->cf, "columnNumber", path, &col, &present)))
			return err;
		if (n->parent == PROFILE_NONE && json__str_eq(fn, "(root)") && n->weight.f == 0) {
			n->frame = PROFILE_NONE;
			continue;
		}
		name = fn && fn->len ? fn->u.str : "(anonymous)";
		name_len = fn && fn->len ? fn->len : strlen("(anonymous)");
		file = url ? url->u.str : "";
		file_len = url ? url->len : 0;
		if (file_len > 7 && !memcmp(file, "file://", 7)) {
			file += 7;
			file_len -= 7;
		}
		if (line < 0 || line >= UINT32_MAX - 1)
			line = col = -1;
		if (col < 0 || col >= UINT32_MAX - 1)
			col = -1;
		n->frame =
			json__location_frame(t, name, name_len, file, file_len, line + 1, col + 1,
					     file_len ? FRAME_KIND_JS : FRAME_KIND_NATIVE);
	}
	return 0;
}

/* Per-sample weights; also checks every sample names a node. */
static int read_samples(struct v8 *v, const struct import_opts *o)
{
	const struct json_value *it, *times = v->deltas ? v->deltas : v->stamps;
	double *at = NULL, end = 0;
	int64_t *at_i = NULL, end_i = 0;
	bool exact = true;
	uint32_t i, idx;
	int err = 0;

	if (v->samples->type != JSON_ARRAY)
		return json__error(v->d, v->samples,
				   "expected an array of node ids for \"samples\", found %s",
				   json__type_name(v->samples));
	v->sample_node = xmalloc(((size_t)v->samples->len + 1) * sizeof(*v->sample_node));
	json_for_each(v->d, v->samples, it, i) {
		if (!lookup(v, it, &idx))
			return json__error(
				v->d, it,
				"expected the id of a node in samples[%u]; no node has this id", i);
		v->sample_node[i] = idx;
	}
	if (!o->time_weights)
		return 0;

	if (!times)
		return json__error(v->d, v->top,
				   "expected \"timeDeltas\" (or \"timestamps\") in the profile: "
				   "--time-weights needs the time of each sample");
	if (times->type != JSON_ARRAY || times->len != v->samples->len)
		return json__error(v->d, times,
				   "expected an array of %u numbers for \"%s\" (one per sample), "
				   "found %s of %u",
				   v->samples->len, v->deltas ? "timeDeltas" : "timestamps",
				   json__type_name(times),
				   times->type == JSON_ARRAY ? times->len : 0);
	/* Integer times (the usual us) are added up exactly; any other makes all doubles. */
	at = xmalloc(((size_t)times->len + 1) * sizeof(*at));
	at_i = xmalloc(((size_t)times->len + 1) * sizeof(*at_i));
	{
		const struct json_value *st = json__get(v->d, v->top, "startTime");
		double t = 0;
		int64_t ti = 0, xi = 0;

		if (v->deltas && st && !json__finite(st, &t)) {
			err = json__error(v->d, st, "expected a number for \"startTime\", found %s",
					  json__type_name(st));
			goto out;
		}
		if (v->deltas && st && !json__int(st, &ti))
			exact = false;
		json_for_each(v->d, times, it, i) {
			double x;

			if (!json__finite(it, &x)) {
				err = json__error(v->d, it,
						  "expected a number for %s[%u], found %s",
						  v->deltas ? "timeDeltas" : "timestamps", i,
						  json__type_name(it));
				goto out;
			}
			if (!json__int(it, &xi) ||
			    (v->deltas && __builtin_add_overflow(ti, xi, &xi)))
				exact = false;
			ti = xi;
			t = v->deltas ? t + x : x;
			at[i] = t;
			at_i[i] = ti;
		}
		end = i ? at[i - 1] : 0;
		end_i = i ? at_i[i - 1] : 0;
	}
	{
		const struct json_value *et = json__get(v->d, v->top, "endTime");
		double e;
		int64_t ei;

		if (et && json__finite(et, &e)) {
			/* Integers compared as such: past 2^53 their doubles may be equal. */
			if (json__int(et, &ei)) {
				if (ei > end_i)
					end_i = ei;
			} else if (e > end) {
				exact = false;
			}
			if (e > end)
				end = e;
		}
	}
	v->sample_w = xmalloc(((size_t)times->len + 1) * sizeof(*v->sample_w));
	for (i = 0; exact && i < times->len; i++) {
		int64_t d;

		/* A difference beyond 64 bits (absurd times) makes them all doubles. */
		if (__builtin_sub_overflow(i + 1 < times->len ? at_i[i + 1] : end_i, at_i[i], &d))
			exact = false;
		else
			v->sample_w[i].i = d > 0 ? d : 0;
	}
	v->sample_frac = !exact;
	for (i = 0; !exact && i < times->len; i++) {
		double dur = (i + 1 < times->len ? at[i + 1] : end) - at[i];

		v->sample_w[i].f = dur > 0 ? dur : 0;
	}
out:
	free(at);
	free(at_i);
	return err;
}

/* Old profiles without samples: selfTime (ms) carries the time. */
static int self_times(struct v8 *v)
{
	size_t i, seen = 0;

	for (i = 0; i < v->n; i++) {
		const struct json_value *st = json__get(v->d, v->nodes[i].obj, "selfTime");
		double ms;

		v->nodes[i].weight = (struct count){0};
		if (!st)
			continue;
		if (!json__finite(st, &ms) || ms < 0)
			return json__error(v->d, st,
					   "expected a time of 0 or more in selfTime, found %s",
					   json__type_name(st));
		count__from_double(&v->nodes[i].weight, ms * 1000);
		seen++;
	}
	if (!seen)
		return json__error(v->d, v->top,
				   "expected \"samples\" with \"timeDeltas\", or nodes with "
				   "\"selfTime\": --time-weights needs the time of each sample");
	return 0;
}

/*
 * Walks the tree from its roots, giving every reachable node its profile
 * node (children after parents; with !@create only a mark, for flame-chart
 * mode, where stacks are added per sample); nodes in a cycle are never
 * reached.
 */
static int build_tree(struct v8 *v, struct profile *t, bool create)
{
	uint32_t *first = xcalloc(v->n + 1, sizeof(*first));
	uint32_t *kids = xmalloc((v->n + 1) * sizeof(*kids));
	uint32_t *stack = xmalloc((v->n + 1) * sizeof(*stack));
	size_t i, sp = 0;
	int err = 0;

	/* Children lists in CSR form: kids[first[p] .. first[p + 1]). */
	for (i = 0; i < v->n; i++)
		if (v->nodes[i].parent != PROFILE_NONE)
			first[v->nodes[i].parent + 1]++;
	for (i = 0; i < v->n; i++)
		first[i + 1] += first[i];
	{
		uint32_t *fill = xmalloc((v->n + 1) * sizeof(*fill));

		memcpy(fill, first, (v->n + 1) * sizeof(*fill));
		for (i = 0; i < v->n; i++)
			if (v->nodes[i].parent != PROFILE_NONE)
				kids[fill[v->nodes[i].parent]++] = i;
		free(fill);
	}
	for (i = v->n; i-- > 0;)
		if (v->nodes[i].parent == PROFILE_NONE)
			stack[sp++] = i;
	while (sp) {
		uint32_t x = stack[--sp], k;
		struct node *n = &v->nodes[x];
		uint32_t up = n->parent == PROFILE_NONE ? PROFILE_ROOT : v->nodes[n->parent].pnode;

		if (!create)
			n->pnode = PROFILE_ROOT;
		else
			n->pnode = n->frame == PROFILE_NONE ? up : profile__child(t, up, n->frame);
		for (k = first[x + 1]; k-- > first[x];)
			stack[sp++] = kids[k];
	}
	for (i = 0; i < v->n; i++)
		if (v->nodes[i].pnode == PROFILE_NONE) {
			err = json__error(v->d, v->nodes[i].obj,
					  "expected the nodes to form a tree, but node %lld is not "
					  "reachable from a root (its parent links form a cycle)",
					  (long long)v->nodes[i].id);
			break;
		}
	free(first);
	free(kids);
	free(stack);
	return err;
}

/* Reports weights that add up to more than 64 bits hold, at @at. */
static int too_large(struct v8 *v, const struct json_value *at)
{
	json__error(v->d, at,
		    "the samples' weights add up to more than %" PRId64
		    " (2^63 - 1), the most a 64-bit count holds",
		    PROFILE_WEIGHT_MAX);
	return -EOVERFLOW;
}

/* The weight of sample @i: 1, or its duration with --time-weights. */
static struct count sample_weight(const struct v8 *v, uint32_t i)
{
	struct count c = {.i = 1, .f = 1};

	if (v->sample_w && v->sample_frac)
		count__from_double(&c, v->sample_w[i].f);
	else if (v->sample_w)
		c = (struct count){.i = v->sample_w[i].i, .f = (double)v->sample_w[i].i};
	return c;
}

/* Flame-chart mode: one stack per sample, in time order. */
static int add_chart_samples(struct v8 *v, struct profile *t)
{
	uint32_t *frames = NULL, i, idx;
	size_t alloc = 0;
	struct count w;
	int err = 0;

	for (i = 0; i < v->samples->len; i++) {
		size_t depth = 0, k, x;

		idx = v->sample_node[i];
		for (x = idx; x != PROFILE_NONE; x = v->nodes[x].parent)
			if (v->nodes[x].frame != PROFILE_NONE)
				depth++;
		ALLOC_GROW(frames, depth, alloc);
		k = depth;
		for (x = idx; x != PROFILE_NONE; x = v->nodes[x].parent)
			if (v->nodes[x].frame != PROFILE_NONE)
				frames[--k] = v->nodes[x].frame;
		w = sample_weight(v, i);
		if (count__add(t, profile__stack_node(t, frames, depth), PROFILE_COL_MAIN, &w)) {
			err = too_large(v, v->samples);
			break;
		}
	}
	free(frames);
	return err;
}

static int import_doc(struct v8 *v, struct profile *t, const struct import_opts *o)
{
	const struct json_value *nodes, *head;
	bool chart;
	uint32_t i;
	size_t k;
	int err;

	if (v->top->type != JSON_OBJECT)
		return json__error(v->d, v->top, "expected a V8 .cpuprofile object, found %s",
				   json__type_name(v->top));
	nodes = json__get(v->d, v->top, "nodes");
	head = json__get(v->d, v->top, "head");
	if (!nodes && !head) {
		/* The inspector's Profiler.stop result: {"profile": {...}}. */
		const struct json_value *inner = json__get(v->d, v->top, "profile");

		if (inner && inner->type == JSON_OBJECT) {
			v->top = inner;
			nodes = json__get(v->d, v->top, "nodes");
			head = json__get(v->d, v->top, "head");
		}
	}
	if (nodes && nodes->type == JSON_ARRAY)
		err = read_current_nodes(v, nodes);
	else if (head && head->type == JSON_OBJECT)
		err = read_head_tree(v, head);
	else
		return json__error(v->d,
				   nodes  ? nodes
				   : head ? head
					  : v->top,
				   "expected \"nodes\" (an array) or \"head\" (an object) in a V8 "
				   ".cpuprofile, found %s",
				   nodes || head ? json__type_name(nodes ? nodes : head)
						 : "neither");
	if (err)
		return err;
	if ((err = index_ids(v)))
		return err;
	if (nodes && (err = link_current(v)))
		return err;

	v->samples = json__get(v->d, v->top, "samples");
	v->deltas = json__get(v->d, v->top, "timeDeltas");
	v->stamps = json__get(v->d, v->top, "timestamps");
	if (v->samples && v->samples->type == JSON_NULL)
		v->samples = NULL;
	if (v->deltas && v->deltas->type == JSON_NULL)
		v->deltas = NULL;
	if (v->stamps && v->stamps->type == JSON_NULL)
		v->stamps = NULL;
	if (v->samples && v->samples->len) {
		if ((err = read_samples(v, o)))
			return err;
		for (k = 0; k < v->n; k++)
			v->nodes[k].weight = (struct count){0};
		for (i = 0; i < v->samples->len; i++) {
			struct count w = sample_weight(v, i);

			if (count__sum(&v->nodes[v->sample_node[i]].weight, &w))
				return too_large(v, v->samples);
		}
	} else if (o->time_weights) {
		if ((err = self_times(v)))
			return err;
	}
	profile__set_countname(t, o->time_weights ? "us" : "samples");

	chart = profile__chart_mode(t) && v->samples && v->samples->len;
	if ((err = make_frames(v, t)) || (err = build_tree(v, t, !chart)))
		return err;
	if (chart)
		return add_chart_samples(v, t);
	for (k = 0; k < v->n; k++) {
		struct node *n = &v->nodes[k];

		if (n->weight.f > 0 && count__add(t, n->pnode, PROFILE_COL_MAIN, &n->weight))
			return too_large(v, n->obj);
	}
	return 0;
}

int v8_cpuprofile__import(struct profile *p, const char *name, const char *buf, size_t len,
			  const struct import_opts *o)
{
	struct json_doc d;
	struct v8 v = {.d = &d};
	struct profile *t = NULL;
	int err;

	err = json_doc__parse(&d, name, buf, len, V8_MAX_DEPTH);
	if (err)
		goto out;
	v.top = &d.v[0];
	/* Build aside and merge only a complete import: no partial results. */
	t = profile__new();
	profile__set_chart_mode(t, profile__chart_mode(p));
	err = import_doc(&v, t, o);
	if (!err) {
		err = import_absorb(p, t, name); /* frees @t */
		t = NULL;
	}
out:
	profile__free(t);
	hashmap__free(v.by_id);
	free(v.nodes);
	free(v.sample_w);
	free(v.sample_node);
	json_doc__release(&d);
	return err;
}
