#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: tools/help-records.sh BINARY
#
# Reads `BINARY --help` and `BINARY COMMAND --help` for every command that
# the top-level help lists, and prints what they say as tab-separated
# records, one per line. tools/gen-man.sh and tools/gen-completion.sh build
# the man page and the shell completions from these records, so that
# neither can say anything the --help texts do not.
#
#   help    CMD  ALIAS  SUMMARY   starts one help text (CMD empty: the top level)
#   usage   TEXT                  one synopsis (continuation lines joined)
#   para    HEADING  TEXT         a paragraph; HEADING is "" or its "heading:" prefix
#   group   HEADING               a "heading:" line that starts a list of items
#   item    HEADING  TERM  DESC   one entry of the list: "  -o, --output PATH   text"
#   example TEXT                  one line under "examples:", verbatim
#
# The layout read is the one every usage text in src/cli/ keeps: paragraphs
# at column 0; list entries indented by 2 to 8 columns, their term (options,
# each "-x" or "--long", with at most one argument word, ", " between them)
# separated from the description by two spaces or more; continuation lines
# of a description indented by 12 or more.
set -euo pipefail

bin=${1:?usage: tools/help-records.sh BINARY}

parse() {
	awk '
	function squeeze(s) {
		gsub(/[ \t]+/, " ", s)
		sub(/^ /, "", s)
		sub(/ $/, "", s)
		return s
	}
	function flush() {
		if (usage != "")
			print "usage\t" usage
		if (ptext != "")
			print "para\t" phead "\t" ptext
		if (term != "")
			print "item\t" ghead "\t" term "\t" squeeze(desc)
		usage = ptext = phead = term = desc = ""
	}
	# One list entry. Options: "-x", "--long", each with an optional
	# argument word after one space ("PATH", "PID,...", "dwarf[,SIZE]",
	# "..."), ", " between them; "-- COMMAND ARGS..." is one term. Others:
	# the first word ("record  sample on-CPU stacks").
	function item(t,   rest, a) {
		if (term != "")
			flush()
		if (t ~ /^-- /) {
			if (match(t, /  +/)) {
				term = substr(t, 1, RSTART - 1)
				rest = substr(t, RSTART)
			} else {
				term = t
				rest = ""
			}
		} else if (t ~ /^-/) {
			rest = t
			while (match(rest, /^--?[A-Za-z0-9][A-Za-z0-9-]*/)) {
				term = term substr(rest, 1, RLENGTH)
				rest = substr(rest, RLENGTH + 1)
				if (match(rest, /^ [^ -][^ ]*/)) {
					a = substr(rest, 1, RLENGTH)
					rest = substr(rest, RLENGTH + 1)
					if (a ~ /,$/ && rest ~ /^ -/) {
						a = substr(a, 1, length(a) - 1)
						rest = "," rest
					}
					term = term a
				}
				if (rest !~ /^, -/)
					break
				term = term ", "
				rest = substr(rest, 3)
			}
		} else {
			match(t, /^[^ ]+/)
			term = substr(t, 1, RLENGTH)
			rest = substr(t, RLENGTH + 1)
		}
		# Two entries on one line: "-q, --quiet   only errors    -v, --verbose  ..."
		if (match(rest, /[^ ]  +-/)) {
			desc = substr(rest, 1, RSTART)
			a = substr(rest, RSTART + 1)
			sub(/^ +/, "", a)
			item(a)
			return
		}
		desc = rest
	}
	/^ *$/ {
		flush()
		state = ""
		next
	}
	{
		match($0, /[^ ]/)
		indent = RSTART - 1
		text = substr($0, RSTART)
	}
	indent == 0 {
		if (text ~ /^usage: /) {
			flush()
			state = "usage"
			usage = squeeze(substr(text, 8))
			next
		}
		if (state == "para" && text !~ /:$/) {
			ptext = ptext " " squeeze(text)
			next
		}
		flush()
		if (text ~ /:$/) {
			state = "group"
			ghead = substr(text, 1, length(text) - 1)
			print "group\t" ghead
			next
		}
		state = "para"
		if (match(text, /^[a-z][^:.]*: /) && RLENGTH <= 50) {
			phead = substr(text, 1, RLENGTH - 2)
			text = substr(text, RLENGTH + 1)
		}
		ptext = squeeze(text)
		next
	}
	state == "usage" {
		if (text ~ /^resq-flame /) {
			flush()
			usage = squeeze(text)
		} else {
			usage = usage " " squeeze(text)
		}
		next
	}
	state == "para" {
		ptext = ptext " " squeeze(text)
		next
	}
	state == "group" && ghead == "examples" {
		print "example\t" substr($0, indent > 2 ? 3 : indent + 1)
		next
	}
	state == "group" {
		if (indent >= 12 && term != "")
			desc = desc " " text
		else
			item(text)
		next
	}
	{
		flush()
		state = "para"
		ptext = squeeze(text)
	}
	END {
		flush()
	}'
}

top=$("$bin" --help </dev/null)
printf 'help\t\t\t\n'
parse <<<"$top"
# "  record     sample on-CPU stacks ... (alias: perf)"; fields joined by
# \037, not a tab, so that read keeps an empty alias.
parse <<<"$top" | awk -F '\t' '$1 == "item" && $2 == "commands" {
	alias = ""
	if (match($4, /\(alias: [^)]*\)/))
		alias = substr($4, RSTART + 8, RLENGTH - 9)
	print $3 "\037" alias "\037" $4
}' | while IFS=$'\037' read -r cmd alias summary; do
	printf 'help\t%s\t%s\t%s\n' "$cmd" "$alias" "$summary"
	"$bin" "$cmd" --help </dev/null | parse
done
