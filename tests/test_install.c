// SPDX-License-Identifier: Apache-2.0
/*
 * make install and make uninstall: tools/install.sh, which both targets run,
 * installs this build's program, man page and shell completions into a
 * scratch DESTDIR, and the tests check them as a user or a packager would: a
 * stripped program that runs; a man page that renders without a warning and
 * has every command and option of --help; completions that complete the
 * commands, the options of every command's --help and their values; and
 * nothing left after uninstall. The script is run directly rather than
 * through make, so that a test never rebuilds the tree it runs from.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <elf.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helpers.h"

TestSuite(install, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 120);

#define BIN_PATH  "root/usr/bin/resq-flame"
#define DEBUG	  "root/usr/lib/debug/usr/bin/resq-flame.debug"
#define MAN_PAGE  "root/usr/share/man/man1/resq-flame.1"
#define BASH_COMP "root/usr/share/bash-completion/completions/resq-flame"
#define ZSH_COMP  "root/usr/share/zsh/vendor-completions/_resq-flame"

/* Like asprintf, asserting that it worked; caller frees. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	cr_assert_geq(n, 0);
	return s;
}

/*
 * Runs `tools/install.sh ACTION RESQ_BUILDDIR` with DESTDIR th_dir/root,
 * PREFIX /usr and STRIP @strip ("" keeps the debug info) in an environment
 * holding only these and PATH, so that no BINDIR or MANDIR of the caller's
 * gets in.
 */
static void install_sh(const char *action, const char *strip, bool split_debug)
{
	char *script = th_path(th_srcdir(), "tools/install.sh");
	char *path = fmt("PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	char *destdir = fmt("DESTDIR=%s/root", th_dir);
	char *strip_var = fmt("STRIP=%s", strip);
	const char *split = split_debug ? "SPLIT_DEBUG=1" : "SPLIT_DEBUG=0";
	const char *argv[] = {"env", "-i",   path,   destdir,	    "PREFIX=/usr", strip_var,
			      split, script, action, RESQ_BUILDDIR, NULL};
	struct th_result r = th_run(argv, NULL, 0, 60);

	cr_assert_eq(r.status, 0, "tools/install.sh %s failed (%d): %s%s", action, r.status, r.out,
		     r.err);
	th_result_free(&r);
	free(script);
	free(path);
	free(destdir);
	free(strip_var);
}

/* th_dir/@rel; caller frees. */
static char *in_dir(const char *rel)
{
	return th_path(th_dir, rel);
}

/* Whether @name is an executable in PATH. */
static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	copy = strdup(path ? path : "/usr/bin:/bin");
	cr_assert_not_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = th_path(dir, name);

		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* Name offset and file offset of section header @i of ELF image @f. */
static void section(const char *f, bool is64, uint64_t shoff, size_t shentsize, size_t i,
		    uint64_t *name, uint64_t *off)
{
	const char *sh = f + shoff + i * shentsize;

	if (is64) {
		Elf64_Shdr s;

		memcpy(&s, sh, sizeof(s));
		*name = s.sh_name, *off = s.sh_offset;
	} else {
		Elf32_Shdr s;

		memcpy(&s, sh, sizeof(s));
		*name = s.sh_name, *off = s.sh_offset;
	}
}

/* Whether ELF file @path has a section named @want (either class, host byte order). */
static bool has_section(const char *path, const char *want)
{
	size_t len, i, shentsize, shnum, shstrndx;
	char *f = th_read_file(path, &len);
	uint64_t shoff, strtab, name, off;
	bool found = false, is64;

	cr_assert_not_null(f, "cannot read %s", path);
	cr_assert(len > EI_NIDENT && !memcmp(f, ELFMAG, SELFMAG), "%s is not an ELF file", path);
	is64 = f[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr eh;

		cr_assert_geq(len, sizeof(eh));
		memcpy(&eh, f, sizeof(eh));
		shoff = eh.e_shoff, shentsize = eh.e_shentsize;
		shnum = eh.e_shnum, shstrndx = eh.e_shstrndx;
	} else {
		Elf32_Ehdr eh;

		cr_assert_geq(len, sizeof(eh));
		memcpy(&eh, f, sizeof(eh));
		shoff = eh.e_shoff, shentsize = eh.e_shentsize;
		shnum = eh.e_shnum, shstrndx = eh.e_shstrndx;
	}
	cr_assert(shstrndx < shnum &&
			  shentsize >= (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) &&
			  shoff + (uint64_t)shnum * shentsize <= len,
		  "%s: bad section headers", path);
	section(f, is64, shoff, shentsize, shstrndx, &name, &strtab);
	for (i = 0; i < shnum && !found; i++) {
		section(f, is64, shoff, shentsize, i, &name, &off);
		cr_assert(strtab + name < len && memchr(f + strtab + name, 0, len - strtab - name),
			  "%s: bad name of section %zu", path, i);
		found = !strcmp(f + strtab + name, want);
	}
	free(f);
	return found;
}

/* The mode bits of @path; asserts that it exists. */
static mode_t mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s is not installed", path);
	return st.st_mode & 07777;
}

/* Output of `resq-flame [CMD] --help` (@cmd NULL: the top level); caller frees. */
static char *help_of(const char *cmd)
{
	const char *top[] = {th_bin(), "--help", NULL};
	const char *sub[] = {th_bin(), cmd, "--help", NULL};

	return th_run_ok(cmd ? sub : top);
}

/*
 * The commands the top-level --help lists: the first word of each line of
 * its "commands:" block. Fills @names (at most @max, strdup'd); returns the
 * count.
 */
static size_t help_commands(char **names, size_t max)
{
	char *help = help_of(NULL);
	const char *p = strstr(help, "\ncommands:\n");
	size_t n = 0;

	cr_assert_not_null(p, "no commands: block in --help:\n%s", help);
	for (p += strlen("\ncommands:\n"); *p == ' ' && n < max; p = strchr(p, '\n') + 1) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " \n");
		names[n++] = strndup(p, len);
		cr_assert_not_null(strchr(p, '\n'));
	}
	free(help);
	cr_assert_geq(n, 4, "the top-level help lists record, offcpu, render and diff");
	return n;
}

/*
 * The options an option line of @help names: lines indented by 2 to 11
 * columns whose text starts with "-" ("  -o, --output PATH   text"), every
 * "-x" and "--long" on them. Fills @opts (strdup'd, at most @max); returns
 * the count.
 */
static size_t help_options(const char *help, char **opts, size_t max)
{
	const char *line, *end, *p;
	size_t n = 0;

	for (line = help; *line; line = *end ? end + 1 : end) {
		size_t indent = strspn(line, " ");

		end = line + strcspn(line, "\n");
		if (indent < 2 || indent > 11 || line[indent] != '-')
			continue;
		for (p = line + indent; p < end; p++) {
			size_t len;

			if (*p != '-' || (p > line && p[-1] != ' ' && p[-1] != ','))
				continue;
			len = 1 + (p[1] == '-');
			len += strspn(
				p + len,
				"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
			if (len < 2 || (p[1] == '-' && len < 3) || (p[1] != '-' && len != 2))
				continue;
			cr_assert_lt(n, max);
			opts[n++] = strndup(p, len);
			p += len;
		}
	}
	return n;
}

/* Whether @text holds option @opt as a whole word (not "--pid" in "--pid-frames"). */
static bool has_option(const char *text, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
		char after = p[len];

		if ((p == text ||
		     (p[-1] != '-' && p[-1] != '_' && !isalnum((unsigned char)p[-1]))) &&
		    !isalnum((unsigned char)after) && after != '-' && after != '_')
			return true;
	}
	return false;
}

/* Whether @text has the line @line. */
static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, line, len) && (p[len] == '\n' || !p[len]))
			return true;
	return false;
}

/*
 * Completes the words @words (NULL-terminated, the last one being completed)
 * with the installed bash completion, sourced into a bash without startup
 * files, and returns COMPREPLY one per line; caller frees.
 */
static char *bash_complete(const char *const *words)
{
	static const char script[] =
		"source \"$1\" || exit 1\n"
		"shift\n"
		"spec=$(complete -p resq-flame) || exit 1\n"
		"fn=${spec#*-F }\n"
		"fn=${fn%% *}\n"
		"COMP_WORDS=(\"$@\")\n"
		"COMP_CWORD=$(($# - 1))\n"
		"COMP_LINE=\"$*\"\n"
		"COMP_POINT=${#COMP_LINE}\n"
		"COMPREPLY=()\n"
		"\"$fn\" resq-flame \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD - "
		"1]}\"\n"
		"((${#COMPREPLY[@]} == 0)) || printf '%s\\n' \"${COMPREPLY[@]}\"\n";
	char *file = in_dir(BASH_COMP);
	const char *argv[16] = {"bash", "--norc", "--noprofile", "-c", script, "bash", file};
	size_t n = 7;
	char *out;

	for (; *words; words++) {
		cr_assert_lt(n, sizeof(argv) / sizeof(argv[0]) - 1);
		argv[n++] = *words;
	}
	argv[n] = NULL;
	out = th_run_ok(argv);
	free(file);
	return out;
}

/* Asserts that completing @words offers each of the NULL-terminated @want. */
static void expect_completions(const char *const *words, const char *const *want)
{
	char *out = bash_complete(words), *line = strdup("");

	for (const char *const *w = words; *w; w++) {
		char *next = fmt("%s%s'%s'", line, *line ? " " : "", *w);

		free(line);
		line = next;
	}
	for (; *want; want++)
		cr_assert(has_line(out, *want), "completing %s offers no '%s'; it offers:\n%s",
			  line, *want, out);
	free(line);
	free(out);
}

Test(install, installs_stripped_program_that_runs)
{
	char *bin = in_dir(BIN_PATH), *debug = in_dir(DEBUG);
	const char *argv[] = {bin, "--version", NULL};
	char *out;

	install_sh("install", "strip", false);
	cr_assert_eq(mode_of(bin), 0755);
	cr_assert_eq(access(bin, X_OK), 0);
	cr_assert_not(has_section(bin, ".debug_info"), "installed program keeps .debug_info");
	cr_assert_not(has_section(bin, ".symtab"), "installed program keeps .symtab");
	cr_assert(has_section(bin, ".text"), "section lookup finds nothing");
	cr_assert_not(th_exists(debug), "debug info split off without SPLIT_DEBUG=1");
	out = th_run_ok(argv);
	cr_assert(!strncmp(out, "resq-flame ", 11), "--version: %s", out);
	free(out);
	free(debug);
	free(bin);
}

Test(install, empty_strip_installs_program_as_built)
{
	char *built = th_path(RESQ_BUILDDIR, "resq-flame"), *bin = in_dir(BIN_PATH);
	size_t built_len, bin_len;
	char *a, *b;

	install_sh("install", "", false);
	a = th_read_file(built, &built_len);
	b = th_read_file(bin, &bin_len);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert(built_len == bin_len && !memcmp(a, b, bin_len), "STRIP= changed the program");
	cr_assert(has_section(bin, ".symtab"));
	cr_assert_eq(has_section(bin, ".debug_info"), has_section(built, ".debug_info"));
	free(a);
	free(b);
	free(built);
	free(bin);
}

Test(install, split_debug_keeps_debug_info_beside)
{
	char *built = th_path(RESQ_BUILDDIR, "resq-flame");
	char *bin = in_dir(BIN_PATH), *debug = in_dir(DEBUG);

	install_sh("install", "strip", true);
	cr_assert(has_section(bin, ".gnu_debuglink"), "no .gnu_debuglink in the stripped program");
	cr_assert_not(has_section(bin, ".debug_info"));
	cr_assert_not(has_section(bin, ".symtab"));
	cr_assert_eq(mode_of(debug), 0644);
	cr_assert(has_section(debug, ".symtab"), "the debug file has no symbols");
	cr_assert_eq(has_section(debug, ".debug_info"), has_section(built, ".debug_info"));
	free(built);
	free(bin);
	free(debug);
}

Test(install, man_page_renders_without_warnings)
{
	char *man = in_dir(MAN_PAGE);
	const char *groff[] = {"groff", "-ww", "-man", "-Tutf8", man, NULL};
	const char *ascii[] = {"groff", "-man", "-Tascii", "-P-cbou", man, NULL};
	static const char *const sections[] = {"NAME",	  "SYNOPSIS", "DESCRIPTION",
					       "OPTIONS", "COMMANDS", "EXIT STATUS",
					       "FILES",	  "EXAMPLES", "SEE ALSO"};
	struct th_result r;
	char *cmds[16], *text;
	size_t n, i;

	cr_assert(have_program("groff"), "groff is not installed (Debian package groff-base)");
	install_sh("install", "strip", false);
	cr_assert_eq(mode_of(man), 0644);
	r = th_run(groff, NULL, 0, 30);
	cr_assert_eq(r.status, 0, "groff: %s", r.err);
	cr_assert_str_eq(r.err, "", "groff -ww warns about the man page:\n%s", r.err);
	cr_assert_gt(r.out_len, 1000);
	th_result_free(&r);

	text = th_run_ok(ascii);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		cr_assert(has_line(text, sections[i]), "no %s section", sections[i]);
	cr_assert_not_null(strstr(text, "resq-flame - a Linux profiler"), "NAME line");
	n = help_commands(cmds, 16);
	for (i = 0; i < n; i++) {
		char *heading = fmt("   %s", cmds[i]);

		cr_assert(has_line(text, heading), "no COMMANDS subsection for %s", cmds[i]);
		free(heading);
		free(cmds[i]);
	}
	cr_assert(has_option(text, "--call-graph"));
	free(text);
	free(man);
}

Test(install, man_page_has_every_option_of_help)
{
	char *man = in_dir(MAN_PAGE);
	const char *ascii[] = {"groff", "-man", "-Tascii", "-P-cbou", man, NULL};
	char *cmds[16], *opts[256], *text, *help;
	size_t ncmds, nopts, i, j;

	cr_assert(have_program("groff"), "groff is not installed (Debian package groff-base)");
	install_sh("install", "strip", false);
	text = th_run_ok(ascii);
	ncmds = help_commands(cmds, 16);
	for (i = 0; i <= ncmds; i++) {
		help = help_of(i < ncmds ? cmds[i] : NULL);
		nopts = help_options(help, opts, 256);
		cr_assert_gt(nopts, 3, "found no options in %s --help", i < ncmds ? cmds[i] : "");
		for (j = 0; j < nopts; j++) {
			cr_assert(has_option(text, opts[j]),
				  "%s of %s --help is not in the man page", opts[j],
				  i < ncmds ? cmds[i] : "resq-flame");
			free(opts[j]);
		}
		free(help);
	}
	for (i = 0; i < ncmds; i++)
		free(cmds[i]);
	free(text);
	free(man);
}

/* The files in the build dir are what the generators make of this program now. */
Test(install, generated_files_match_help)
{
	static const char *const gen[][3] = {
		{"tools/gen-man.sh", NULL, "resq-flame.1"},
		{"tools/gen-completion.sh", "bash", "completion/resq-flame"},
		{"tools/gen-completion.sh", "zsh", "completion/_resq-flame"},
	};
	char *prog = th_path(RESQ_BUILDDIR, "resq-flame");

	for (size_t i = 0; i < sizeof(gen) / sizeof(gen[0]); i++) {
		char *script = th_path(th_srcdir(), gen[i][0]);
		char *built = th_path(RESQ_BUILDDIR, gen[i][2]);
		const char *argv[] = {script, prog, gen[i][1], NULL};
		char *now = th_run_ok(argv), *was = th_read_file(built, NULL);

		cr_assert_not_null(was, "%s was not built", built);
		cr_assert_str_eq(now, was, "%s differs from what %s makes now", built, gen[i][0]);
		free(now);
		free(was);
		free(script);
		free(built);
	}
	free(prog);
}

Test(install, bash_completes_commands_options_and_values)
{
	char *cmds[16], *file = in_dir(BASH_COMP), *probe;
	size_t n, i;

	install_sh("install", "strip", false);
	cr_assert_eq(mode_of(file), 0644);
	free(file);
	n = help_commands(cmds, 16);
	{
		const char *w[] = {"resq-flame", "", NULL};
		char *out = bash_complete(w);

		for (i = 0; i < n; i++) {
			cr_assert(has_line(out, cmds[i]), "no command %s in:\n%s", cmds[i], out);
			free(cmds[i]);
		}
		cr_assert(has_line(out, "perf"), "the alias of record");
		free(out);
	}
	expect_completions((const char *[]){"resq-flame", "record", "--ca", NULL},
			   (const char *[]){"--call-graph", NULL});
	expect_completions(
		(const char *[]){"resq-flame", "render", "-f", "", NULL},
		(const char *[]){"svg", "folded", "pprof", "speedscope", "cpuprofile", NULL});
	expect_completions((const char *[]){"resq-flame", "-f", "", NULL},
			   (const char *[]){"folded", NULL});
	expect_completions((const char *[]){"resq-flame", "render", "--format=f", NULL},
			   (const char *[]){"--format=folded", NULL});
	expect_completions((const char *[]){"resq-flame", "render", "--colors", "", NULL},
			   (const char *[]){"hot", "mem", "io", "java", "kind", NULL});
	expect_completions((const char *[]){"resq-flame", "record", "--colors", "", NULL},
			   (const char *[]){"hot", "kind", NULL});
	expect_completions((const char *[]){"resq-flame", "record", "--call-graph", "", NULL},
			   (const char *[]){"fp", "dwarf", NULL});
	expect_completions((const char *[]){"resq-flame", "record", "--unwinder", "", NULL},
			   (const char *[]){"libdw", "libunwind", NULL});
	expect_completions((const char *[]){"resq-flame", "offcpu", "--state", "", NULL},
			   (const char *[]){"any", "sleep", "disk", NULL});
	expect_completions((const char *[]){"resq-flame", "record", "-p", "1", "--", "ech", NULL},
			   (const char *[]){"echo", NULL});

	/* Files for operands and for -o, nothing for a value such as --title. */
	file = in_dir("probe.folded");
	th_write_file(file, "a 1\n", 4);
	probe = in_dir("probe.f");
	expect_completions((const char *[]){"resq-flame", "render", probe, NULL},
			   (const char *[]){file, NULL});
	expect_completions((const char *[]){"resq-flame", "diff", "-o", probe, NULL},
			   (const char *[]){file, NULL});
	{
		const char *w[] = {"resq-flame", "render", "--title", probe, NULL};
		char *out = bash_complete(w);

		cr_assert_str_eq(out, "", "--title takes text, not files");
		free(out);
	}
	free(file);
	free(probe);
}

Test(install, bash_completes_every_option_of_help)
{
	char *cmds[16], *opts[256], *top, *help;
	size_t ncmds, ntop, nopts, i, j;

	install_sh("install", "strip", false);
	ncmds = help_commands(cmds, 16);
	top = help_of(NULL);
	for (i = 0; i <= ncmds; i++) {
		const char *cmd = i < ncmds ? cmds[i] : NULL;
		const char *w[] = {"resq-flame", cmd ? cmd : "-", cmd ? "-" : NULL, NULL};
		char *out = bash_complete(w);

		/* Global options go before or after the command. */
		ntop = help_options(top, opts, 256);
		help = cmd ? help_of(cmd) : NULL;
		nopts = ntop + (help ? help_options(help, opts + ntop, 256 - ntop) : 0);
		for (j = 0; j < nopts; j++) {
			cr_assert(has_line(out, opts[j]), "completing '%s -' offers no %s",
				  cmd ? cmd : "resq-flame", opts[j]);
			free(opts[j]);
		}
		free(help);
		free(out);
	}
	for (i = 0; i < ncmds; i++)
		free(cmds[i]);
	free(top);
}

Test(install, zsh_completion_loads_and_has_every_option)
{
	char *file = in_dir(ZSH_COMP), *dir = in_dir("root/usr/share/zsh/vendor-completions");
	const char *check[] = {"zsh", "-n", file, NULL};
	char *load_script = fmt("fpath=(%s $fpath); autoload -Uz compinit; compinit -u -D; "
				"print -r -- ${_comps[resq-flame]}",
				dir);
	const char *load[] = {"zsh", "-f", "-c", load_script, NULL};
	char *cmds[16], *opts[256], *text, *out, *help;
	size_t ncmds, nopts, i, j;

	if (!have_program("zsh"))
		cr_skip_test("zsh is not installed (Debian package zsh)");
	install_sh("install", "strip", false);
	cr_assert_eq(mode_of(file), 0644);
	free(th_run_ok(check));
	out = th_run_ok(load);
	cr_assert_str_eq(out, "_resq-flame\n", "compinit does not register _resq-flame");
	free(out);

	text = th_read_file(file, NULL);
	cr_assert(!strncmp(text, "#compdef resq-flame\n", 20));
	cr_assert(has_option(text, "--call-graph"));
	ncmds = help_commands(cmds, 16);
	for (i = 0; i <= ncmds; i++) {
		help = help_of(i < ncmds ? cmds[i] : NULL);
		nopts = help_options(help, opts, 256);
		for (j = 0; j < nopts; j++) {
			cr_assert(has_option(text, opts[j]), "%s of %s --help is not in %s",
				  opts[j], i < ncmds ? cmds[i] : "resq-flame", file);
			free(opts[j]);
		}
		free(help);
	}
	for (i = 0; i < ncmds; i++)
		free(cmds[i]);
	free(text);
	free(load_script);
	free(dir);
	free(file);
}

static int count_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type != FTW_D && type != FTW_DP) {
		cr_log_error("left after uninstall: %s", path);
		return 1;
	}
	return 0;
}

Test(install, uninstall_removes_every_file)
{
	char *root = in_dir("root");
	static const char *const installed[] = {BIN_PATH, DEBUG, MAN_PAGE, BASH_COMP, ZSH_COMP};

	install_sh("install", "strip", true);
	for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++) {
		char *p = in_dir(installed[i]);

		cr_assert(th_exists(p), "%s is not installed", p);
		free(p);
	}
	install_sh("uninstall", "strip", true);
	cr_assert_eq(nftw(root, count_file, 16, FTW_PHYS), 0, "uninstall left files in %s", root);
	/* A second uninstall finds nothing to do and still succeeds. */
	install_sh("uninstall", "strip", true);
	free(root);
}
