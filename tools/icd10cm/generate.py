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
    B  <block id>  <title>  <categories>                 blocks, in tabular order, each
                                                         with its categories in tabular
                                                         order ("C43,C4A,C44"): codes
                                                         such as C4A are placed by the
                                                         tabular's sections, not by
                                                         string order
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
category whose title names female / male genital or pelvic organs, or its own or an
ancestor's title names the patient's sex (not chapter 20, Q56, Q97, Q98), P a pregnancy
code outside chapter 15 (Z33.1, Z34, Z36, Z37, Z39, Z3A: female, maternity ages), N a
newborn-only code (Z38, Z05, Z00.11: age 0). Excludes1 references
are code ranges taken from the note text (references written "E10.-" included, and
qualified ones such as "E08-E13 with .44" expanded to the codes they name; the generator
counts every reference in the XML against what it holds): "(A50.06)" is A5006..A5006, "(M05.5-)" is
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
# A code or range as Excludes1 notes write them: "A50.06", "M05.5-", "E10.-",
# "E08-E13", "B27.0-B27.9".
REF = re.compile(rf"({CODE})(?:\.?-)?(?:\s*-\s*({CODE})(?:\.?-)?)?")
# A reference narrowed by a qualifier: "E08-E13 with .44", "V01-V09 with 5th
# character 9", "I69. with final characters -23", "S06.0X- with seventh character A".
QUALIFIED = re.compile(r"(?P<range>.+?)\.?\s*with\s*(?P<qualifier>.+)")
SUFFIX = re.compile(r"\.([0-9A-Z]+)-?(?:-\.([0-9A-Z]+)-?)?")
POSITION = {"5th": 5, "fifth": 5, "7th": 7, "seventh": 7}
NTH = re.compile(r"(5th|fifth|7th|seventh)[- ]character\s+\.?([0-9A-Z])")
FINAL = re.compile(r"final characters -([0-9A-Z]+)")
FIFTH_TO_SIXTH = re.compile(r"fifth to sixth characters ([0-9A-Z]{2})")
FEMALE = re.compile(r"\bfemale (genital|pelvic)", re.I)
MALE = re.compile(r"(?<!fe)\bmale genital", re.I)
MANIFESTATION = "classified elsewhere"
# A title that names the patient's sex: "..., right female breast", "Male erectile
# disorder". Titles naming both are not used, nor chapter 20 (the sex named is the
# perpetrator's) or Q56, Q97, Q98 (karyotype and phenotype, not administrative sex).
TITLE_FEMALE = re.compile(r"\bfemale\b", re.I)
TITLE_MALE = re.compile(r"(?<!fe)\bmale\b", re.I)
TITLE_SEX_EXCLUDED = ("V", "W", "X", "Y", "Q56", "Q97", "Q98")
# Pregnancy and delivery codes outside chapter 15 (female, maternity ages), and
# newborn-only codes (age 0), as the Medicare Code Editor lists them.
MATERNITY_Z = ("Z331", "Z34", "Z36", "Z37", "Z39", "Z3A")
NEWBORN_Z = ("Z38", "Z05", "Z0011")
LOOSE_CODE = re.compile(r"[A-Z][0-9][0-9A-Z]")


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


def parse_ref(part):
    """(lo, hi) undotted for a plain code or range, else None."""
    part = re.sub(r"\.-(?=[A-Z])", "-", part.strip())  # "F98.2.-F98.3"
    match = REF.fullmatch(part)
    if not match:
        return None
    lo = undotted(match.group(1))
    hi = undotted(match.group(2)) if match.group(2) else lo
    return lo, hi


def references(note_texts):
    """Every code-shaped reference named in parentheses in notes, as (plain ranges,
    qualified references, references that are neither)."""
    ranges, qualified, other = [], [], []
    for note in note_texts:
        for group in re.findall(r"\(([^()]*)\)", note):
            for part in group.split(","):
                part = part.strip()
                if not LOOSE_CODE.match(part):
                    continue
                parsed = parse_ref(part)
                if parsed:
                    ranges.append(f"{parsed[0]}..{parsed[1]}")
                elif QUALIFIED.fullmatch(part):
                    qualified.append(part)
                else:
                    other.append(part)
    return ranges, qualified, other


def qualifier_test(qualifier):
    """A predicate on undotted codes for a qualifier, or None if it is not understood."""
    q = qualifier.strip()
    if m := SUFFIX.fullmatch(q):
        lo, hi = m.group(1), m.group(2) or m.group(1)
        return lambda code: lo <= code[3:3 + len(lo)] and code[3:3 + len(hi)] <= hi and len(code) > 3
    if m := NTH.fullmatch(q):
        position, char = POSITION[m.group(1)], m.group(2)
        return lambda code: len(code) >= position and code[position - 1] == char
    if m := FINAL.fullmatch(q):
        tail = m.group(1)
        return lambda code: len(code) > 3 and code.endswith(tail)
    if m := FIFTH_TO_SIXTH.fullmatch(q):
        pair = m.group(1)
        return lambda code: code[4:6] == pair
    return None


def expand(reference, codes):
    """The codes a qualified reference names, as ranges of one code each; None when
    its range or qualifier is not understood."""
    m = QUALIFIED.fullmatch(reference)
    parsed = parse_ref(m.group("range").rstrip(".- ")) if m else None
    test = qualifier_test(m.group("qualifier")) if m else None
    if not parsed or not test:
        return None
    lo, hi = parsed
    inside = [c for c in codes if c[:len(lo)] >= lo and c[:len(hi)] <= hi and test(c)]
    return [f"{c}..{c}" for c in sorted(inside)]


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


# The releases the generator writes, by name: the tabular XML and code list that
# the named simple-icd-10-cm version ships, the release line and the output file.
RELEASES = {
    "fy2026": ("icd10c-tabular-April-1-2026.xml", "code-list-April-2026.txt", RELEASE, OUT),
    "fy2025": (
        "icd10cm-tabular-April-2025.xml",
        "code-list-April-2025.txt",
        "ICD-10-CM FY2025 April 1, 2025 update (CDC icd10cm-tabular-April-2025.xml)",
        OUT.with_name("icd10cm_fy2025.tsv"),
    ),
}


def main():
    """generate.py [--release fy2026|fy2025] [--out PATH] [DATA_DIR]: DATA_DIR holds
    the release's tabular XML and code list (default: the installed
    simple_icd_10_cm package's data directory, 1.5.0 for fy2026, 1.3.0 for fy2025)."""
    args = sys.argv[1:]
    name = "fy2026"
    if args[:1] == ["--release"]:
        name = args[1]
        args = args[2:]
    xml_name, list_name, release, out = RELEASES[name]
    if args[:1] == ["--out"]:
        out = pathlib.Path(args[1])
        args = args[2:]
    if args:
        data = pathlib.Path(args[0])
    else:
        import simple_icd_10_cm

        data = pathlib.Path(simple_icd_10_cm.__file__).parent / "data"
    source = data / xml_name
    root = ET.parse(source).getroot()

    chapters, blocks, codes, excludes, code_first = [], [], {}, {}, {}
    counts = {"plain": 0, "qualified": 0, "title_female": 0, "title_male": 0}
    pending, unparsed = [], []

    def walk(diag, sevens, manifest, sex):
        name = text(diag, "name")
        title = text(diag, "desc")
        code = undotted(name)
        sevens = seven_chr(diag) or sevens
        manifest = manifest or MANIFESTATION in title.lower()
        sex = sex or ("f" if FEMALE.search(title) else "m" if MALE.search(title) else "")
        if not sex and not code.startswith(TITLE_SEX_EXCLUDED):
            female, male = TITLE_FEMALE.search(title), TITLE_MALE.search(title)
            if female and not male:
                sex, counts["title_female"] = "f", counts["title_female"] + 1
            elif male and not female:
                sex, counts["title_male"] = "m", counts["title_male"] + 1
        if code.startswith(MATERNITY_Z):
            sex = "fP"
        elif code.startswith(NEWBORN_Z) and "N" not in sex:
            sex = sex + "N"
        refs, qualified, other = references(notes(diag, "excludes1"))
        if refs or qualified:
            excludes[code] = refs
        counts["plain"] += len(refs)
        pending.extend((code, q) for q in qualified)
        unparsed.extend((code, o) for o in other)
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
            cats = ",".join(undotted(text(d, "name")) for d in section.findall("diag"))
            blocks.append((section.get("id"), title, cats))
            sex = "f" if FEMALE.search(title) else "m" if MALE.search(title) else ""
            for diag in section.findall("diag"):
                walk(diag, None, False, sex)

    for code, reference in pending:
        expanded = expand(reference, codes)
        if expanded is None:
            unparsed.append((code, reference))
        else:
            counts["qualified"] += 1
            excludes[code] = excludes.get(code, []) + expanded
    check_excludes1_count(root, counts, unparsed)
    excludes = {code: ";".join(dict.fromkeys(refs)) for code, refs in excludes.items() if refs}

    billable = sum(1 for flags, _ in codes.values() if flags.startswith("B"))
    check_against_code_list(data / list_name, codes)
    lines = [f"R\t{release}\t{billable}"]
    lines += [f"C\t{number}\t{span}\t{title}" for number, span, title in chapters]
    lines += [f"B\t{block}\t{title}\t{cats}" for block, title, cats in blocks]
    lines += [f"D\t{code}\t{flags}\t{title}" for code, (flags, title) in sorted(codes.items())]
    lines += [f"X\t{code}\t{refs}" for code, refs in sorted(excludes.items())]
    lines += [f"F\t{code}\t{note}" for code, note in sorted(code_first.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    print(f"{out}: {len(codes)} codes, {billable} billable, {len(blocks)} blocks, "
          f"{len(excludes)} with Excludes1, {len(code_first)} with code-first notes")
    flagged = lambda flag: sum(1 for flags, _ in codes.values() if flag in flags)
    print(f"sex: {flagged('f')} female and {flagged('m')} male codes ({counts['title_female']} "
          f"and {counts['title_male']} codes whose own title names the sex, with the codes under "
          f"them); {flagged('P')} pregnancy Z codes (maternity ages); {flagged('N')} newborn-only codes")


# Excludes1 references the table cannot hold as code ranges: a name that is not a
# code, and notes whose wording names codes by a rule the parser does not apply.
# Each is listed; any other unparsed reference fails the generator.
NOT_CODES = {"G6PD", "A00-R94 and T80-T88.6", "S52.- with open fracture 7th character",
             "F10-F19 with 5th character .6"}


def check_excludes1_count(root, counts, unparsed):
    """Every code-shaped Excludes1 reference in the XML is in the table, or listed."""
    total = 0
    for diag in root.iter("diag"):
        for note in notes(diag, "excludes1"):
            for group in re.findall(r"\(([^()]*)\)", note):
                total += sum(1 for part in group.split(",") if LOOSE_CODE.match(part.strip()))
    unexpected = sorted({ref for _, ref in unparsed if ref not in NOT_CODES})
    if unexpected:
        sys.exit(f"Excludes1 references not understood: {unexpected}")
    held = counts["plain"] + counts["qualified"]
    if held + len(unparsed) != total:
        sys.exit(f"Excludes1 count mismatch: {total} in the XML, {held} held, {len(unparsed)} listed")
    print(f"Excludes1: {total} references in the XML: {counts['plain']} codes and ranges, "
          f"{counts['qualified']} qualified references expanded to codes, {len(unparsed)} "
          f"not codes or not applied ({sorted({ref for _, ref in unparsed})})")


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
