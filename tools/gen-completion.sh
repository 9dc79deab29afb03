#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: tools/gen-completion.sh BINARY bash|zsh > OUT
#
# Writes the bash or zsh completion of resq-flame from the --help texts of
# BINARY (read through tools/help-records.sh): the commands and their
# aliases from the top-level list; each command's options from its own
# help plus the global options of the top level; which options take a
# value from their argument word ("-o, --output PATH"). Values are
# completed from what the help lists for them:
#   - literal argument words: "--call-graph fp", "--call-graph dwarf[,SIZE]";
#   - a description that starts with a list of words ("svg, folded, pprof,
#     speedscope or cpuprofile", "the DWARF unwinder: libdw (default) or
#     libunwind"), whichever command's help lists it;
#   - files for PATH, FILE, DIR and OUT arguments; nothing for other values.
# Operands are files, or a command line for commands whose help has a
# "-- COMMAND ARGS..." entry (record, offcpu).
set -euo pipefail

bin=${1:?usage: tools/gen-completion.sh BINARY bash|zsh}
shell=${2:?usage: tools/gen-completion.sh BINARY bash|zsh}
case $shell in
bash | zsh) ;;
*)
	echo "gen-completion.sh: unknown shell '$shell' (expected bash or zsh)" >&2
	exit 2
	;;
esac
here=$(dirname "$0")
version=$("$bin" --version </dev/null | awk '{ print $2; exit }')
records=$("$here/help-records.sh" "$bin")

awk -F '\t' -v shell="$shell" -v version="$version" '
function strip_parens(s,   out, i, c, depth) {
	out = ""
	depth = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "(")
			depth++
		else if (c == ")" && depth > 0)
			depth--
		else if (!depth)
			out = out c
	}
	return out
}
# The words a description starts with when it is a list of them, "" when
# it is not: its first clause, or the part of it after or before ": ",
# split at ", " and " or ", every item a single token, at least two of them
# words (tokens such as "#rrggbb" are skipped).
function list_values(d,   s, segs, nseg, i, items, n, j, out, cnt, ok) {
	s = strip_parens(d)
	if (match(s, /; |\. /))
		s = substr(s, 1, RSTART - 1)
	sub(/\.$/, "", s)
	nseg = split(s, segs, /: /)
	for (i = 1; i <= nseg; i++) {
		s = segs[i]
		gsub(/ or /, ", ", s)
		gsub(/ *, */, ",", s)
		sub(/^ +/, "", s)
		sub(/ +$/, "", s)
		n = split(s, items, ",")
		ok = n >= 2
		out = ""
		cnt = 0
		for (j = 1; ok && j <= n; j++) {
			if (items[j] == "" || items[j] ~ / /)
				ok = 0
			else if (items[j] ~ /^[a-z][a-z0-9_-]*$/)
				out = out (cnt++ ? " " : "") items[j]
		}
		if (ok && cnt >= 2)
			return out
	}
	return ""
}
function add_values(name, list,   w, n, i) {
	n = split(list, w, " ")
	for (i = 1; i <= n; i++) {
		if (!((name, w[i]) in hasval)) {
			hasval[name, w[i]] = 1
			vals[name] = vals[name] (vals[name] == "" ? "" : " ") w[i]
		}
	}
}
# Registers option @short/@long (either may be "") of scope @s with
# argument word @arg and description @desc.
function add_opt(s, short, long, arg, desc,   k, v) {
	k = long != "" ? long : short
	if (!((s, k) in okind)) {
		okind[s, k] = ""
		okeys[s, ++nopt[s]] = k
	}
	if (short != "")
		oshort[s, k] = short
	if (long != "")
		olong[s, k] = long
	if (arg == "...")
		arg = ""
	if (arg ~ /^[a-z]/) {
		v = arg
		sub(/[[,].*/, "", v)
		add_values(k, v)
		arg = ""
		olit[s, k] = 1
	}
	if (arg != "" && oarg[s, k] == "")
		oarg[s, k] = arg
	if (olit[s, k] || arg != "")
		otakes[s, k] = 1
	if (desc != "" && odesc[s, k] == "")
		odesc[s, k] = desc
	if (desc ~ /repeatable/)
		orep[s, k] = 1
	v = list_values(desc)
	if (v != "" && otakes[s, k])
		add_values(k, v)
}
function item(s, term, desc,   pieces, n, i, flag, arg, sp) {
	if (term ~ /^-- /) {
		mode[s] = "command"
		return
	}
	n = split(term, pieces, /, /)
	for (i = 1; i <= n; i++) {
		sp = index(pieces[i], " ")
		flag = sp ? substr(pieces[i], 1, sp - 1) : pieces[i]
		arg = sp ? substr(pieces[i], sp + 1) : ""
		if (flag ~ /^-[^-]$/ && arg == "" && i < n && pieces[i + 1] ~ /^--/) {
			sp = index(pieces[i + 1], " ")
			add_opt(s, flag, sp ? substr(pieces[i + 1], 1, sp - 1) : pieces[i + 1],
				sp ? substr(pieces[i + 1], sp + 1) : "", desc)
			i++
		} else if (flag ~ /^--/) {
			add_opt(s, "", flag, arg, desc)
		} else {
			add_opt(s, flag, "", arg, desc)
		}
	}
}
$1 == "help" {
	scope = $2
	if (scope != "") {
		cmds[++ncmds] = scope
		alias[scope] = $3
		summary[scope] = $4
		mode[scope] = "files"
	}
	next
}
$1 == "item" && $3 ~ /^-/ {
	item(scope, $3, $4)
}
# The options of command @c (and of the top level, @c ""): its own, then
# the global ones it does not list; a global option keeps its argument
# when the command lists it without one ("--title, --subtitle ... as for
# render"). Fills o*[c, k] and okeys[c, ...] in place.
function merge(c,   i, k) {
	for (i = 1; i <= nopt[""]; i++) {
		k = okeys["", i]
		if (!((c, k) in okind)) {
			okind[c, k] = ""
			okeys[c, ++nopt[c]] = k
		}
		if (oshort[c, k] == "")
			oshort[c, k] = oshort["", k]
		if (olong[c, k] == "")
			olong[c, k] = olong["", k]
		if (!otakes[c, k] && otakes["", k]) {
			otakes[c, k] = 1
			oarg[c, k] = oarg["", k]
		}
		if (odesc[c, k] == "")
			odesc[c, k] = odesc["", k]
	}
	for (i = 1; i <= nopt[c]; i++) {
		k = okeys[c, i]
		if (!otakes[c, k])
			okind[c, k] = "flag"
		else if (k in vals)
			okind[c, k] = "values"
		else if (oarg[c, k] ~ /^(PATH|FILE|DIR|OUT)/)
			okind[c, k] = "file"
		else
			okind[c, k] = "text"
	}
}
# The names of option @k of @c, joined by @sep.
function names(c, k, sep) {
	if (oshort[c, k] != "" && olong[c, k] != "")
		return oshort[c, k] sep olong[c, k]
	return oshort[c, k] olong[c, k]
}
# The case pattern of command @c: its name and its alias.
function pattern(c) {
	return alias[c] != "" ? c "|" alias[c] : c
}
function bash_value_cases(c,   i, k, act, nact, acts, pats, j) {
	nact = 0
	for (i = 1; i <= nopt[c]; i++) {
		k = okeys[c, i]
		if (okind[c, k] == "flag")
			continue
		if (okind[c, k] == "values")
			act = "_resq_flame_words \047" vals[k] "\047 \"$3\""
		else if (okind[c, k] == "file")
			act = "_resq_flame_files \"$3\""
		else
			act = ":"
		for (j = 1; j <= nact && acts[j] != act; j++)
			;
		if (j > nact) {
			acts[++nact] = act
			pats[j] = ""
		}
		pats[j] = pats[j] (pats[j] == "" ? "" : "|") names(c, k, "|")
	}
	for (j = 1; j <= nact; j++)
		printf "\t\t%s) %s ;;\n", pats[j], acts[j]
}
function bash_takes(c,   i, k, out) {
	out = ""
	for (i = 1; i <= nopt[c]; i++) {
		k = okeys[c, i]
		if (okind[c, k] != "flag")
			out = out (out == "" ? "" : "|") names(c, k, "|")
	}
	return out == "" ? "\047\047" : out
}
function bash_opts(c,   i, k, out) {
	out = ""
	for (i = 1; i <= nopt[c]; i++) {
		k = okeys[c, i]
		out = out (out == "" ? "" : " ") names(c, k, " ")
	}
	return out
}
function emit_bash(   i, c, cmdwords, cmdmode) {
	cmdwords = ""
	cmdmode = ""
	for (i = 1; i <= ncmds; i++) {
		c = cmds[i]
		cmdwords = cmdwords (i > 1 ? " " : "") c (alias[c] != "" ? " " alias[c] : "")
		if (mode[c] == "command")
			cmdmode = cmdmode (cmdmode == "" ? "" : "|") pattern(c)
	}
	if (cmdmode == "")
		cmdmode = "\047\047"
	print "# bash completion for resq-flame(1)"
	printf "# Generated by tools/gen-completion.sh from the --help texts of resq-flame %s; do not edit.\n", version
	print ""
	print "_resq_flame_files()"
	print "{"
	print "\tcompopt -o filenames 2>/dev/null"
	print "\tmapfile -t COMPREPLY < <(compgen -f -- \"$1\")"
	print "}"
	print ""
	print "_resq_flame_words()"
	print "{"
	print "\tmapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$2\")"
	print "}"
	print ""
	print "# _resq_flame_value CMD OPTION CUR: completes the value of OPTION of CMD"
	print "# (\"\" before the command) into COMPREPLY."
	print "_resq_flame_value()"
	print "{"
	print "\tcase $1 in"
	print "\t\047\047)"
	print "\t\tcase $2 in"
	bash_value_cases("")
	print "\t\t*) return 1 ;;"
	print "\t\tesac"
	print "\t\t;;"
	for (i = 1; i <= ncmds; i++) {
		c = cmds[i]
		printf "\t%s)\n", pattern(c)
		print "\t\tcase $2 in"
		bash_value_cases(c)
		print "\t\t*) return 1 ;;"
		print "\t\tesac"
		print "\t\t;;"
	}
	print "\t*) return 1 ;;"
	print "\tesac"
	print "}"
	print ""
	print "# _resq_flame_takes CMD OPTION: whether OPTION of CMD takes a value."
	print "_resq_flame_takes()"
	print "{"
	print "\tcase $1 in"
	printf "\t\047\047) case $2 in %s) return 0 ;; esac ;;\n", bash_takes("")
	for (i = 1; i <= ncmds; i++)
		printf "\t%s) case $2 in %s) return 0 ;; esac ;;\n", pattern(cmds[i]), bash_takes(cmds[i])
	print "\tesac"
	print "\treturn 1"
	print "}"
	print ""
	print "# _resq_flame_options CMD: the options of CMD (\"\" before the command)."
	print "_resq_flame_options()"
	print "{"
	print "\tcase $1 in"
	printf "\t\047\047) echo \047%s\047 ;;\n", bash_opts("")
	for (i = 1; i <= ncmds; i++)
		printf "\t%s) echo \047%s\047 ;;\n", pattern(cmds[i]), bash_opts(cmds[i])
	print "\tesac"
	print "}"
	print ""
	print "_resq_flame_complete()"
	print "{"
	print "\tlocal cur=$1 prev=$2 cmd=\047\047 operands=0 files=0 i w"
	print ""
	print "\t# The command is the first word that is neither an option nor the value"
	print "\t# of one. The command line that record and offcpu profile starts after"
	print "\t# \"--\" or at their first operand; after \"--\" the others take files."
	print "\tfor ((i = 1; i < COMP_CWORD; i++)); do"
	print "\t\tw=${COMP_WORDS[i]}"
	print "\t\tif [[ $w == -?* && $w != -- && $w != *=* ]] && _resq_flame_takes \"$cmd\" \"$w\"; then"
	print "\t\t\tif [[ ${COMP_WORDS[i + 1]:-} == = ]]; then i=$((i + 2)); else i=$((i + 1)); fi"
	print "\t\telif [[ -z $cmd ]]; then"
	print "\t\t\t[[ $w == -* ]] || cmd=$w"
	print "\t\telif [[ $w == -- ]]; then"
	printf "\t\t\tcase $cmd in %s) operands=$((i + 1)) ;; *) files=1 ;; esac\n", cmdmode
	print "\t\t\tbreak"
	print "\t\telif [[ $w != -* ]]; then"
	printf "\t\t\tcase $cmd in %s) operands=$i && break ;; esac\n", cmdmode
	print "\t\tfi"
	print "\tdone"
	print "\tCOMPREPLY=()"
	print "\tif ((operands)); then"
	print "\t\tif declare -F _command_offset >/dev/null; then"
	print "\t\t\t_command_offset \"$operands\""
	print "\t\telif ((COMP_CWORD == operands)); then"
	print "\t\t\tmapfile -t COMPREPLY < <(compgen -c -- \"$cur\")"
	print "\t\telse"
	print "\t\t\t_resq_flame_files \"$cur\""
	print "\t\tfi"
	print "\t\treturn"
	print "\tfi"
	print "\tif ((files)); then"
	print "\t\t_resq_flame_files \"$cur\""
	print "\t\treturn"
	print "\tfi"
	print "\tif [[ $prev == -?* ]] && _resq_flame_takes \"$cmd\" \"$prev\"; then"
	print "\t\t_resq_flame_value \"$cmd\" \"$prev\" \"$cur\""
	print "\t\treturn"
	print "\tfi"
	print "\tif [[ $cur == -* ]]; then"
	print "\t\t_resq_flame_words \"$(_resq_flame_options \"$cmd\")\" \"$cur\""
	print "\t\treturn"
	print "\tfi"
	print "\tcase $cmd in"
	printf "\t\047\047) _resq_flame_words \047%s\047 \"$cur\" ;;\n", cmdwords
	printf "\t%s) mapfile -t COMPREPLY < <(compgen -c -- \"$cur\") ;;\n", cmdmode
	print "\t*) _resq_flame_files \"$cur\" ;;"
	print "\tesac"
	print "}"
	print ""
	print "_resq_flame()"
	print "{"
	print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\047\047 pre=\047\047"
	print ""
	print "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}"
	print "\t# --option=value: one word, or three when COMP_WORDBREAKS holds \"=\""
	print "\tif [[ $cur == = ]]; then"
	print "\t\tcur=\047\047"
	print "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then"
	print "\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}"
	print "\telif [[ $cur == --*=* ]]; then"
	print "\t\tprev=${cur%%=*}"
	print "\t\tpre=$prev="
	print "\t\tcur=${cur#*=}"
	print "\tfi"
	print "\t_resq_flame_complete \"$cur\" \"$prev\""
	print "\tif [[ -n $pre ]]; then"
	print "\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")"
	print "\tfi"
	print "\treturn 0"
	print "}"
	print ""
	print "complete -F _resq_flame resq-flame"
}
# Escapes @s for the inside of a single-quoted zsh word ("\047" ends and
# reopens the quotes) and of an _arguments description or _describe entry
# ("[", "]", ":" and backslashes get a backslash).
function zq(s,   out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\047")
			out = out "\047\\\047\047"
		else if (index("\\[]:", c))
			out = out "\\" c
		else
			out = out c
	}
	return out
}
# Description @d for menus: without parentheses, its first clause, at most
# 60 characters.
function short_desc(d) {
	d = strip_parens(d)
	sub(/^ +/, "", d)
	sub(/; .*/, "", d)
	gsub(/ +,/, ",", d)
	gsub(/  +/, " ", d)
	sub(/ +$/, "", d)
	sub(/[.:]$/, "", d)
	if (length(d) > 60) {
		d = substr(d, 1, 57)
		sub(/ [^ ]*$/, "", d)
		d = d "..."
	}
	return d
}
# The description of option @k of @c: its own, else the first any other
# help gives it.
function desc_of(c, k,   i) {
	if (odesc[c, k] != "")
		return short_desc(odesc[c, k])
	if (odesc["", k] != "")
		return short_desc(odesc["", k])
	for (i = 1; i <= ncmds; i++)
		if (odesc[cmds[i], k] != "")
			return short_desc(odesc[cmds[i], k])
	return ""
}
function zsh_spec(c, k,   s, l, d, msg, act, spec, star) {
	s = oshort[c, k]
	l = olong[c, k]
	d = desc_of(c, k)
	if (d != "")
		d = "[" zq(d) "]"
	star = orep[c, k] ? "*" : ""
	if (okind[c, k] == "flag") {
		if (s != "" && l != "")
			return "\047(" s " " l ")\047{" s "," l "}\047" d "\047"
		return "\047" star s l d "\047"
	}
	msg = tolower(oarg[c, k])
	if (msg == "")
		msg = vals[k]
	gsub(/ /, "|", msg)
	if (okind[c, k] == "values")
		act = "(" vals[k] ")"
	else if (okind[c, k] == "file")
		act = "_files"
	else
		act = " "
	if (s != "" && l != "")
		return "\047(" s " " l ")\047{" s "+," l "=}\047" d ":" zq(msg) ":" act "\047"
	if (l != "")
		return "\047" star l "=" d ":" zq(msg) ":" act "\047"
	return "\047" star s "+" d ":" zq(msg) ":" act "\047"
}
function emit_zsh_specs(c, indent,   i) {
	for (i = 1; i <= nopt[c]; i++)
		printf "%s%s \\\n", indent, zsh_spec(c, okeys[c, i])
}
function emit_zsh(   i, c) {
	print "#compdef resq-flame"
	print "# zsh completion for resq-flame(1)"
	printf "# Generated by tools/gen-completion.sh from the --help texts of resq-flame %s; do not edit.\n", version
	print ""
	print "_resq-flame() {"
	print "\tlocal curcontext=$curcontext state state_descr line ret=1"
	print "\tlocal -a commands"
	print "\ttypeset -A opt_args"
	print ""
	print "\tcommands=("
	for (i = 1; i <= ncmds; i++) {
		c = cmds[i]
		printf "\t\t\047%s:%s\047\n", c, zq(summary[c])
		if (alias[c] != "")
			printf "\t\t\047%s:%s\047\n", alias[c], zq("the same as " c)
	}
	print "\t)"
	print "\t_arguments -C -s -S \\"
	emit_zsh_specs("", "\t\t")
	print "\t\t\047: :->command\047 \\"
	print "\t\t\047*:: :->args\047 && ret=0"
	print ""
	print "\tcase $state in"
	print "\tcommand)"
	print "\t\t_describe -t commands \047resq-flame command\047 commands && ret=0"
	print "\t\t;;"
	print "\targs)"
	print "\t\tcurcontext=${curcontext%:*:*}:resq-flame-$words[1]:"
	print "\t\tcase $words[1] in"
	for (i = 1; i <= ncmds; i++) {
		c = cmds[i]
		printf "\t\t%s)\n", pattern(c)
		print "\t\t\t_arguments -s -S \\"
		emit_zsh_specs(c, "\t\t\t\t")
		if (mode[c] == "command") {
			print "\t\t\t\t\047(-)1:command:_command_names -e\047 \\"
			print "\t\t\t\t\047*::arguments:_normal\047 && ret=0"
		} else {
			print "\t\t\t\t\047*:file:_files\047 && ret=0"
		}
		print "\t\t\t;;"
	}
	print "\t\t*)"
	print "\t\t\t_files && ret=0"
	print "\t\t\t;;"
	print "\t\tesac"
	print "\t\t;;"
	print "\tesac"
	print "\treturn ret"
	print "}"
	print ""
	print "_resq-flame \"$@\""
}
END {
	merge("")
	for (i = 1; i <= ncmds; i++)
		merge(cmds[i])
	if (shell == "bash")
		emit_bash()
	else
		emit_zsh()
}' <<<"$records"
