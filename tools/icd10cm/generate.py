#!/usr/bin/env python3
"""Writes crates/codes/data/icd10cm.tsv, the ICD-10-CM table anescode embeds, from the
official CDC tabular list XML (public domain).

Source: icd10c-tabular-April-1-2026.xml, the April 1, 2026 update of the FY2026
ICD-10-CM tabular list, as shipped in the PyPI package simple-icd-10-cm==1.5.0
(simple_icd_10_cm/data/). Run:

    python3 tools/icd10cm/generate.py [--out FILE] [path/to/icd10c-tabular-April-1-2026.xml]

With no path, the XML is taken from the installed simple_icd_10_cm package. The output
depends only on the XML: regenerating from the same source gives the same bytes (CI
regenerates it with --out and compares).

Output: UTF-8, LF line ends, tab-separated, one record per line:

    R  <release>  <billable count>                       release line, first
    C  <chapter number>  <first block>-<last block>  <title>
    B  <block id>  <title>                               blocks, in tabular order
    D  <code>  <flags>  <title>                          codes, sorted by code
                                                         (a code made by adding a 7th
                                                         character has the title
                                                         "^<meaning>": the title of the
                                                         code it extends, ", ", meaning)
    X  <code>  <lo>..<hi>[;<lo>..<hi>...]                Excludes1 references of a code
    F  <code>  <note>                                    "Code first" note of a code

Codes are undotted ("C50911"). Flags: B billable (a leaf, with its required 7th
character applied), H header (not billable), M manifestation ("in diseases classified
elsewhere" in its own or an ancestor's title), f / m the code lies in a block or
category whose title names female / male genital or pelvic organs. Excludes1 references
are code ranges taken from the note text: "(A50.06)" is A5006..A5006, "(M05.5-)" is
M055..M055, "(E08-E13)" is E08..E13; a code matches when its prefix of the same length
falls in the range.
"""

import pathlib
import re
import sys
import xml.etree.ElementTree as ET

RELEASE = "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)"
OUT = pathlib.Path(__file__).resolve().parents[2] / "crates/codes/data/icd10cm.tsv"

CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
REF = re.compile(rf"({CODE})(-?)(?:\s*-\s*({CODE})-?)?")
FEMALE = re.compile(r"\bfemale (genital|pelvic)", re.I)
MALE = re.compile(r"(?<!fe)\bmale genital", re.I)
MANIFESTATION = "classified elsewhere"


def text(element, tag):
    found = element.find(tag)
    return " ".join(found.text.split()) if found is not None and found.text else ""


def notes(element, tag):
    found = element.find(tag)
    if found is None:
        return []
    return [" ".join(n.text.split()) for n in found.findall("note") if n.text]


def undotted(code):
    return code.replace(".", "")


def references(note_texts):
    """Code ranges named in parentheses in notes."""
    ranges = []
    for note in note_texts:
        for group in re.findall(r"\(([^()]*)\)", note):
            for part in group.split(","):
                match = REF.fullmatch(part.strip())
                if not match:
                    continue
                lo = undotted(match.group(1))
                hi = undotted(match.group(3)) if match.group(3) else lo
                ranges.append(f"{lo}..{hi}")
    return ranges


def seven_chr_applies(code, char):
    """The one 7th-character exception the tabular states in prose: category S06,
    "7th characters D and S do not apply to codes in category S06 with 6th character
    7 - death due to brain injury prior to regaining consciousness, or 8 - death due
    to other cause prior to regaining consciousness"."""
    return not (code.startswith("S06") and len(code) == 6 and code[5] in "78" and char in "DS")


def seven_chr(element):
    found = element.find("sevenChrDef")
    if found is None:
        return None
    return [(e.get("char"), " ".join(e.text.split())) for e in found.findall("extension")]


def main():
    args = sys.argv[1:]
    out = OUT
    if args[:1] == ["--out"]:
        out = pathlib.Path(args[1])
        args = args[2:]
    if args:
        source = pathlib.Path(args[0])
    else:
        import simple_icd_10_cm

        source = pathlib.Path(simple_icd_10_cm.__file__).parent / "data/icd10c-tabular-April-1-2026.xml"
    root = ET.parse(source).getroot()

    chapters, blocks, codes, excludes, code_first = [], [], {}, {}, {}

    def walk(diag, sevens, manifest, sex):
        name = text(diag, "name")
        title = text(diag, "desc")
        code = undotted(name)
        sevens = seven_chr(diag) or sevens
        manifest = manifest or MANIFESTATION in title.lower()
        sex = sex or ("f" if FEMALE.search(title) else "m" if MALE.search(title) else "")
        refs = references(notes(diag, "excludes1"))
        if refs:
            excludes[code] = ";".join(refs)
        first = notes(diag, "codeFirst")
        if first:
            code_first[code] = " ".join(first)
        children = diag.findall("diag")
        marks = ("M" if manifest else "") + sex
        if children:
            codes[code] = ("H" + marks, title)
            for child in children:
                walk(child, sevens, manifest, sex)
        elif sevens:
            codes[code] = ("H" + marks, title)
            base = code.ljust(6, "X")
            for char, meaning in sevens:
                if seven_chr_applies(code, char):
                    codes[base + char] = ("B" + marks, f"^{meaning}")
        else:
            codes[code] = ("B" + marks, title)

    for chapter in root.findall("chapter"):
        ids = [s.get("id") for s in chapter.findall("section")]
        chapters.append((text(chapter, "name"), f"{ids[0].split('-')[0]}-{ids[-1].split('-')[-1]}", text(chapter, "desc")))
        for section in chapter.findall("section"):
            title = text(section, "desc")
            blocks.append((section.get("id"), title))
            sex = "f" if FEMALE.search(title) else "m" if MALE.search(title) else ""
            for diag in section.findall("diag"):
                walk(diag, None, False, sex)

    billable = sum(1 for flags, _ in codes.values() if flags.startswith("B"))
    check_against_code_list(source.parent / "code-list-April-2026.txt", codes)
    lines = [f"R\t{RELEASE}\t{billable}"]
    lines += [f"C\t{number}\t{span}\t{title}" for number, span, title in chapters]
    lines += [f"B\t{block}\t{title}" for block, title in blocks]
    lines += [f"D\t{code}\t{flags}\t{title}" for code, (flags, title) in sorted(codes.items())]
    lines += [f"X\t{code}\t{refs}" for code, refs in sorted(excludes.items())]
    lines += [f"F\t{code}\t{note}" for code, note in sorted(code_first.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    print(f"{out}: {len(codes)} codes, {billable} billable, {len(blocks)} blocks, "
          f"{len(excludes)} with Excludes1, {len(code_first)} with code-first notes")


def check_against_code_list(path, codes):
    """The CDC code list of the same release names every code; its leaves are the
    codes valid for submission. They must be exactly the billable codes derived here."""
    if not path.exists():
        print(f"note: {path} not found; billable codes not cross-checked", file=sys.stderr)
        return
    listed = sorted({l.strip() for l in path.read_text().splitlines() if l.strip() and "-" not in l and not l.strip().isdigit()})
    leaves = {c for i, c in enumerate(listed) if not (i + 1 < len(listed) and listed[i + 1].startswith(c))}
    billable = {c for c, (flags, _) in codes.items() if flags.startswith("B")}
    if leaves != billable:
        extra, missing = sorted(billable - leaves), sorted(leaves - billable)
        sys.exit(f"billable codes differ from {path.name}: {len(extra)} extra {extra[:5]}, {len(missing)} missing {missing[:5]}")


if __name__ == "__main__":
    main()
