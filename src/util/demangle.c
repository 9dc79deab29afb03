// SPDX-License-Identifier: Apache-2.0
/*
 * Symbol names for display: C++ and Rust names demangled by libiberty's
 * cplus_demangle, and the suffixes of compiler-made clones removed.
 *
 * This file must not include xalloc.h: libiberty's headers declare an
 * xmemdup() with another signature. libiberty returns malloc'd strings.
 */
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

char *demangle__symbol(const char *name)
{
#ifdef HAVE_LIBIBERTY
	const int opts = DMGL_PARAMS | DMGL_ANSI;
	char *s;

	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	/* Legacy Rust names are valid C++ manglings too: ask Rust first. */
	s = cplus_demangle(name, opts | DMGL_RUST);
	if (!s && name[1] == 'Z')
		s = cplus_demangle(name, opts | DMGL_GNU_V3);
	return s;
#else
	(void)name;
	return NULL;
#endif
}

bool demangle__rust(const char *name, void (*out)(const char *s, size_t len, void *ctx), void *ctx)
{
#ifdef HAVE_LIBIBERTY
	return rust_demangle_callback(name, 0, out, ctx) != 0;
#else
	(void)name, (void)out, (void)ctx;
	return false;
#endif
}

/* Words GCC (and LLVM) append after a '.' to the names of function clones. */
static const char *const clone_words[] = {
	"constprop", "isra", "part",	   "cold",	  "clone",
	"lto_priv",  "llvm", "localalias", "specialized",
};

/* Length of the clone word at @p followed by '.', '@', a digit or the end; else 0. */
static size_t clone_word(const char *p)
{
	size_t i, len;

	for (i = 0; i < sizeof(clone_words) / sizeof(clone_words[0]); i++) {
		len = strlen(clone_words[i]);
		if (!strncmp(p, clone_words[i], len) &&
		    (p[len] == '.' || p[len] == '@' || p[len] == '\0' ||
		     (p[len] >= '0' && p[len] <= '9')))
			return len;
	}
	return 0;
}

size_t symbol__base_len(const char *name)
{
	const char *p, *at;
	size_t len;

	if (!name[0])
		return 0;
	/* Symbol versions in .symtab: "glob64@@GLIBC_2.27", "memcpy@GLIBC_2.2.5". */
	at = strchr(name + 1, '@');
	len = at ? (size_t)(at - name) : strlen(name);
	/* The first ".word" that starts a clone suffix; Rust's ".." is not one. */
	for (p = name + 1; p < name + len && (p = memchr(p, '.', name + len - p)); p++) {
		if (p[-1] != '.' && clone_word(p + 1))
			return p - name;
	}
	return len;
}
