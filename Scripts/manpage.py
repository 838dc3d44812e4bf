#!/usr/bin/env python3
"""Finish a man page made by swift-argument-parser's generate-manual plugin (1.8.2).

    Scripts/manpage.py < plugin-output/kput.1 > man/kput.1

The plugin puts a command's whole discussion into DESCRIPTION, ends every page with a generic
EXIT STATUS (".Ex -std"), and lists a phantom "help" subcommand. Our discussions end with reference
blocks ("EXIT STATUS:", "ENVIRONMENT:", ... laid out as described in
Sources/KafkaFilters/Diagnostics/ManualText.swift), so this script, deterministically:
  - keeps the prose of the discussion as DESCRIPTION (blank lines become .Pp, one sentence a line);
  - gives the option list its own OPTIONS section;
  - turns each "TITLE:" block into a ".Sh TITLE" section, in the order they appear, in place of the
    generic EXIT STATUS;
  - drops the phantom "subcommand" argument and "help" entry (kput, kpull, kstream and kmock have no
    subcommands; kmeta keeps "subcommand" in its synopsis, its subcommands being real).
Same input, same output: the drift check (Scripts/docs.sh check) relies on it. It fails loudly on a
layout it does not understand rather than guessing.
"""
import re
import sys

HEADING = re.compile(r"^[A-Z][A-Z ]*[A-Z]:$")
# "  TERM  text": TERM is words separated by single blanks, then two or more blanks, then the text.
ITEM = re.compile(r"^  (\S+(?: \S+)*)  +(\S.*)$")
# A word that mdoc would call as a macro on a macro line (Ar, Fl, Ns, %A, ...).
MACRO_LIKE = re.compile(r"^(?:[A-Z][a-z]{1,2}|%[A-Z])$")
# The end of a sentence: . ! or ? (perhaps closed by ) " or '), a blank, then a capital or "(".
SENTENCE_END = re.compile(r"""(?<=[a-z0-9)\]"'][.!?])\s+(?=[A-Z(])|(?<=[a-z0-9][.!?][)"'])\s+(?=[A-Z(])""")
# Options (--max-line-bytes) and words holding _ " or : (JSON members) are kept whole: \% stops
# hyphenation.
UNBREAKABLE_WORD = re.compile(r"""(?:(?<=^)|(?<=[ (]))(?=-|[^ ]*[_":])""")


class LayoutError(Exception):
    pass


def escape(s):
    """A roff text: backslashes written as \\e (never \\\\)."""
    return s.replace("\\", "\\e")


def guard(line):
    """A text line must not start with . or ' (a request) - prefix the zero-width \\&."""
    return "\\&" + line if line.startswith((".", "'")) else line


def sentences(text):
    """mdoc wants each sentence on a line of its own (mandoc -T lint: "new sentence, new line")."""
    return [s for s in SENTENCE_END.split(text) if s]


def running_text(lines):
    """Wrapped --help lines -> roff text lines, one a sentence."""
    return [guard(UNBREAKABLE_WORD.sub(r"\\%", escape(s))) for s in sentences(" ".join(lines))]


def literal_line(line):
    """A line of a display: shown as is; - is written \\- so it stays an ASCII hyphen-minus."""
    return guard(escape(line).replace("-", "\\-"))


def macro_arg(word):
    """One macro argument: quoted when it holds blanks, guarded when it looks like a macro name."""
    w = escape(word).replace('"', "\\(dq")
    if " " in w or w == "":
        return '"' + w + '"'
    if MACRO_LIKE.match(w):
        return "\\&" + w
    return w


def item_macro(title, term):
    if title == "ENVIRONMENT":
        return ".It Ev " + macro_arg(term)
    if title == "FAULT COMMANDS":
        verb, *args = term.split(" ")
        return " ".join([".It Cm " + macro_arg(verb)] + ["Ar " + macro_arg(a) for a in args])
    if title == "ENVELOPE FORMAT":
        return ".It Li " + macro_arg(term)
    return ".It " + macro_arg(term)


def parse_blocks(title, lines):
    """Body lines of one section -> [("para", [line]), ("list", [(term, [line])]), ("literal", [line]), ("break",)]."""
    blocks = []
    item_column = None  # text column of the list item that a line may continue
    for n, line in enumerate(lines):
        if line.strip() == "":
            blocks.append(("break",))
            item_column = None
            continue
        if line.rstrip() != line:
            raise LayoutError(f"{title}: trailing blank in {line!r}")
        indent = len(line) - len(line.lstrip(" "))
        if item_column is not None and indent == item_column:
            blocks[-1][1][-1][1].append(line.strip())
            continue
        item_column = None
        if indent >= 4:
            if blocks and blocks[-1][0] == "literal":
                blocks[-1][1].append(line[4:])
            else:
                blocks.append(("literal", [line[4:]]))
        elif indent == 2:
            m = ITEM.match(line)
            if m:
                term, text = m.group(1), m.group(2)
                if not (blocks and blocks[-1][0] == "list"):
                    blocks.append(("list", []))
                blocks[-1][1].append((term, [text]))
                item_column = m.start(2)
            elif blocks and blocks[-1][0] == "para":
                blocks[-1][1].append(line.strip())
            else:
                blocks.append(("para", [line.strip()]))
        else:
            raise LayoutError(f"{title}: line {n + 1} is indented by {indent}, not 2 or 4 or more: {line!r}")
    while blocks and blocks[-1][0] == "break":
        blocks.pop()
    while blocks and blocks[0][0] == "break":
        blocks.pop(0)
    return blocks


def render_see_also(lines):
    refs = re.findall(r"([A-Za-z0-9_.+-]+)\((\d)\)", " ".join(lines))
    if not refs:
        raise LayoutError("SEE ALSO: no name(section) references")
    return [f".Xr {macro_arg(name)} {sec}" + (" ," if i < len(refs) - 1 else "") for i, (name, sec) in enumerate(refs)]


def render_section(title, lines):
    out = [".Sh " + (f'"{title}"' if " " in title else title)]
    blocks = parse_blocks(title, lines)
    if not blocks:
        raise LayoutError(f"{title}: empty section")
    after_break = False
    for block in blocks:
        kind = block[0]
        if kind == "break":
            after_break = True
            continue
        if kind == "para":
            if after_break or out[-1] in (".El", ".Ed"):
                out.append(".Pp")
            out += render_see_also(block[1]) if title == "SEE ALSO" else running_text(block[1])
        elif kind == "list":
            longest = max((term for term, _ in block[1]), key=len)
            out.append(f".Bl -tag -width {macro_arg(longest) if len(longest) <= 14 else 'Ds'}")
            for term, text in block[1]:
                out.append(item_macro(title, term))
                out += running_text(text)
            out.append(".El")
        elif kind == "literal":
            out.append(".Bd -literal -offset indent")
            out += [literal_line(l) for l in block[1]]
            out.append(".Ed")
        after_break = False
    return out


def split_sections(reference):
    sections = []
    title, body = None, []
    for line in reference:
        if HEADING.match(line):
            if title:
                sections.append((title, body))
            title, body = line[:-1], []
        else:
            body.append(line)
    if title:
        sections.append((title, body))
    return sections


def finish(page):
    # The plugin ends the page without a newline; work on whole lines.
    lines = page.rstrip("\n").split("\n")
    try:
        desc = lines.index(".Sh DESCRIPTION")
        exit_sh = lines.index('.Sh "EXIT STATUS"')
    except ValueError as e:
        raise LayoutError(f"not a generate-manual page: {e}")
    if lines[exit_sh + 1] != ".Ex -std":
        raise LayoutError("EXIT STATUS is not the plugin's generic .Ex -std")
    opts = next((i for i in range(desc + 1, exit_sh) if lines[i].startswith(".Bl ")), None)
    if opts is None:
        raise LayoutError("no option list in DESCRIPTION")

    # Preamble, NAME, SYNOPSIS; the synopsis names the implicit help subcommand "subcommand", which is
    # real only in a tool with subcommands of its own (kmeta).
    has_subcommands = any(l.startswith(".It Em ") and l != ".It Em help" for l in lines)
    head = [l for l in lines[:desc] if l != ".Ar subcommand" or has_subcommands]
    head[1:1] = [
        '.\\" Finished by Scripts/manpage.py: the sections after OPTIONS are the TITLE: blocks of --help,',
        '.\\" from Sources/KafkaFilters/Diagnostics/ManualText.swift. Do not edit: run make man.',
    ]

    # DESCRIPTION: the discussion up to its first "TITLE:" line (after a blank line).
    discussion = lines[desc + 1:opts]
    first = next((i for i, l in enumerate(discussion) if HEADING.match(l) and (i == 0 or discussion[i - 1] == "")),
                 len(discussion))
    description = [".Sh DESCRIPTION"]
    for l in discussion[:first]:
        if l.strip() == "":
            if description[-1] not in (".Sh DESCRIPTION", ".Pp"):
                description.append(".Pp")
        elif l.startswith((".", " ")):
            description.append(l)  # a request, or a line the author indented on purpose
        else:
            description += [guard(s) for s in sentences(l)]
    while description[-1] == ".Pp":
        description.pop()

    # OPTIONS: the plugin's list, without the phantom "help" entry (".It Em help", text, nested .Bl/.El),
    # one sentence a line, and without a .Pp that separates nothing.
    options = [".Sh OPTIONS"]
    body = lines[opts:exit_sh]
    i = 0
    while i < len(body):
        if body[i] == ".It Em help":
            depth, j = 0, i + 1
            while j < len(body):
                if body[j].startswith(".Bl "):
                    depth += 1
                elif body[j] == ".El":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            i = j + 1
            continue
        if body[i] == ".Pp" and i + 1 < len(body) and body[i + 1].startswith((".It", ".El")):
            pass  # a paragraph break before nothing (an option whose values have no descriptions)
        elif body[i].startswith("."):
            options.append(body[i])
        else:
            options += [guard(s) for s in sentences(body[i])]
        i += 1

    # The reference sections, unescaped (the plugin only turned \ into \e; our text is ASCII).
    sections = split_sections([l.replace("\\e", "\\") for l in discussion[first:]])
    tail = []
    for title, section_lines in sections:
        tail += render_section(title, section_lines)
    if not any(title == "EXIT STATUS" for title, _ in sections):
        tail = lines[exit_sh:exit_sh + 2] + tail
    # Whatever the plugin put after EXIT STATUS (AUTHORS, if it was given --authors) stays last.
    return "\n".join(head + description + options + tail + lines[exit_sh + 2:]) + "\n"


def main():
    try:
        sys.stdout.write(finish(sys.stdin.read()))
    except LayoutError as e:
        sys.stderr.write(f"manpage.py: {e}\n")
        sys.exit(65)


if __name__ == "__main__":
    main()
