//! The official ICD-10-CM code set (FY2026, April 1, 2026 update), embedded as the
//! table `tools/icd10cm/generate.py` writes from the CDC tabular XML.
//!
//! The table is parsed once, on first use, into an index over the embedded text:
//! no per-code allocation for titles.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use crate::key_index::KeyIndex;
use crate::query::{self, QueryError};

const TABLE: &str = include_str!("../data/icd10cm.tsv");
/// The FY2025 release (April 1, 2025 update), for dates of service before FY2026.
const TABLE_FY2025: &str = include_str!("../data/icd10cm_fy2025.tsv");

const BILLABLE: u8 = 1;
const MANIFESTATION: u8 = 2;
const FEMALE: u8 = 4;
const MALE: u8 = 8;
/// A pregnancy code outside chapter 15 (Z33.1, Z34, Z36, Z37, Z39, Z3A).
const MATERNITY: u8 = 32;
/// A newborn-only code (Z38, Z05, Z00.11).
const NEWBORN: u8 = 64;
/// A header whose children are its 7th-character extensions.
const NEEDS_SEVENTH: u8 = 16;
const NONE: u32 = u32::MAX;

/// The sex a code's block or category names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSex {
    /// Female genital or pelvic organs.
    Female,
    /// Male genital organs.
    Male,
}

/// A chapter of the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chapter {
    /// 1-22.
    pub number: u32,
    /// Its block range, e.g. "O00-O9A".
    pub range: &'static str,
    /// Its title.
    pub title: &'static str,
}

/// A block (section) of the classification, e.g. "C50-C50" or "N40-N53".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The block's id as the tabular gives it, e.g. "N40-N53" or "B20".
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The chapter it belongs to (1-22).
    pub chapter: u32,
    first: &'static str,
    last: &'static str,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    code: &'static str,
    title: &'static str,
    flags: u8,
    block: u16,
    parent: u32,
    /// For a code made by adding a 7th character: the code it extends.
    extends: u32,
    /// The code is made by adding a 7th character.
    extension: bool,
    /// Index of the code's notes, or NONE.
    notes: u32,
    children: u32,
}

/// An inclusive range of code prefixes, e.g. E08..E13; a code matches when its
/// prefix of the range's length falls inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRange<'a> {
    /// The first prefix.
    pub low: &'a str,
    /// The last prefix.
    pub high: &'a str,
}

impl CodeRange<'_> {
    /// True when `code` (undotted) falls in the range.
    pub fn contains(&self, code: &str) -> bool {
        !self.below(code) && self.not_above(code)
    }

    /// True when `code` sorts before the range. In a list of codes in code order
    /// the codes before the range come first, so this can be binary-searched.
    pub fn below(&self, code: &str) -> bool {
        // Bytes, not characters: a text that is not a code has no boundary to
        // cut at, and strings order as their bytes do.
        &code.as_bytes()[..self.low.len().min(code.len())] < self.low.as_bytes()
    }

    /// True when `code` does not sort after the range: true for a prefix of the
    /// codes in code order, so this can be binary-searched too.
    pub fn not_above(&self, code: &str) -> bool {
        &code.as_bytes()[..self.high.len().min(code.len())] <= self.high.as_bytes()
    }

    /// The range as packed keys when [`Icd10Cm::in_range`] compares it in string
    /// order: neither end has a letter after its first character (a lettered
    /// category such as C4A has its own place in the tabular) and both are of at
    /// most eight bytes. For a code with a [`string_order_key`], `in_range` is then
    /// [`PackedRange::contains`] of that key.
    pub fn packed_in_string_order(&self) -> Option<PackedRange> {
        let plain = |end: &str| end.len() <= 8 && !lettered(end);
        (plain(self.low) && plain(self.high)).then(|| self.packed())
    }

    /// The range as packed keys, to be compared with [`Diagnosis::key`]s by
    /// integer comparison rather than by string.
    pub fn packed(&self) -> PackedRange {
        PackedRange {
            low: key(self.low.as_bytes()),
            low_mask: prefix_mask(self.low.len()),
            high: key(self.high.as_bytes()),
            high_mask: prefix_mask(self.high.len()),
        }
    }
}

/// A [`CodeRange`] for packed codes: the same answers as the range's own
/// methods, for codes given by [`Diagnosis::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedRange {
    low: u64,
    low_mask: u64,
    high: u64,
    high_mask: u64,
}

impl PackedRange {
    /// As [`CodeRange::below`]. A code shorter than the bound is zero-padded,
    /// which sorts before every character, as a shorter string does.
    pub fn below(&self, key: u64) -> bool {
        key & self.low_mask < self.low
    }

    /// As [`CodeRange::not_above`].
    pub fn not_above(&self, key: u64) -> bool {
        key & self.high_mask <= self.high
    }

    /// As [`CodeRange::contains`].
    pub fn contains(&self, key: u64) -> bool {
        !self.below(key) && self.not_above(key)
    }
}

/// True when the category part of `code` has a letter after its first character
/// (C4A, M1A): such categories are not in string order in the tabular.
fn lettered(code: &str) -> bool {
    code.bytes()
        .take(3)
        .skip(1)
        .any(|b| b.is_ascii_alphabetic())
}

/// The packed key of an undotted code that [`Icd10Cm::in_range`] compares in
/// string order: at least three and at most eight bytes, not [lettered](CodeRange::packed_in_string_order).
pub fn string_order_key(code: &str) -> Option<u64> {
    (code.len() >= 3 && code.len() <= 8 && !lettered(code)).then(|| key(code.as_bytes()))
}

/// Keeps the first `len` bytes of a packed code.
fn prefix_mask(len: usize) -> u64 {
    match len {
        0 => 0,
        1..=7 => !(u64::MAX >> (8 * len)),
        _ => u64::MAX,
    }
}

/// Chapter 15: pregnancy, childbirth and the puerperium.
const MATERNITY_CHAPTER: u32 = 15;

/// The longest code, undotted: three characters and up to four more.
const MAX_CODE_LEN: usize = 7;
/// Search ranks: exact title or not × extension or not × code length 0-7.
const RANKS: usize = 2 * 2 * (MAX_CODE_LEN + 1);

/// The ICD-10-CM code set.
#[derive(Debug)]
pub struct Icd10Cm {
    release: &'static str,
    billable_count: u32,
    chapters: Vec<Chapter>,
    blocks: Vec<Block>,
    entries: Vec<Entry>,
    /// The table in lower case: titles are matched by words at the same offsets.
    lower: String,
    /// Each entry's code packed by [`key`], for look-ups by integer comparison.
    keys: Vec<u64>,
    /// Each entry's position by its key, for look-ups of a code.
    index: KeyIndex,
    /// Instructional notes; entries point here by index.
    notes: Vec<Notes>,
    /// The table the entries' strings point into.
    table: &'static str,
    /// Every category with its block and its position in the tabular, sorted by
    /// category: categories such as C4A sit where the tabular puts them (between
    /// C43 and C44), not where string order would.
    categories: Vec<Category>,
}

#[derive(Debug, Clone, Copy)]
struct Category {
    code: &'static str,
    block: u16,
    position: u32,
}

/// The notes of one code that the edits use.
#[derive(Debug, Default)]
struct Notes {
    excludes1: Vec<CodeRange<'static>>,
    /// The same ranges packed, in the same order.
    excludes1_packed: Vec<PackedRange>,
    code_first: Option<&'static str>,
}

/// Why a diagnosis could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Icd10Error {
    /// Not shaped like an ICD-10-CM code.
    #[error("{0:?} is not shaped like an ICD-10-CM code")]
    Malformed(String),
    /// Shaped like one, but not in the release.
    #[error("{0} is not an ICD-10-CM code in {1}")]
    Unknown(String, &'static str),
}

/// Parses an embedded table. The tables are generated and checked by this crate's
/// tests; a parse failure is a build defect.
fn parse_table(table: &'static str) -> Icd10Cm {
    parse(table).unwrap_or_else(|line| panic!("embedded ICD-10-CM table is corrupt at line {line}"))
}

/// One code of the classification.
#[derive(Debug, Clone, Copy)]
pub struct Diagnosis<'a> {
    set: &'a Icd10Cm,
    index: usize,
}

impl Icd10Cm {
    /// The newest embedded release (FY2026, April 1, 2026 update), parsed on first use.
    pub fn embedded() -> &'static Icd10Cm {
        static SET: OnceLock<Icd10Cm> = OnceLock::new();
        SET.get_or_init(Icd10Cm::parse_embedded)
    }

    /// The embedded FY2025 release (April 1, 2025 update), parsed on first use.
    pub fn embedded_fy2025() -> &'static Icd10Cm {
        static SET: OnceLock<Icd10Cm> = OnceLock::new();
        SET.get_or_init(|| parse_table(TABLE_FY2025))
    }

    /// Parses the newest embedded table anew (what [`Icd10Cm::embedded`] does once).
    pub fn parse_embedded() -> Icd10Cm {
        parse_table(TABLE)
    }

    /// The lower-case copy of a title taken from the table.
    fn lower(&self, title: &'static str) -> &str {
        let start = title.as_ptr() as usize - self.table.as_ptr() as usize;
        &self.lower[start..start + title.len()]
    }

    /// The release's name.
    pub fn release(&self) -> &'static str {
        self.release
    }

    /// How many codes are valid for submission (billable).
    pub fn billable_count(&self) -> u32 {
        self.billable_count
    }

    /// How many codes the release holds, headers included.
    pub fn code_count(&self) -> usize {
        self.entries.len()
    }

    /// The chapters, in order.
    pub fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    /// Looks a code up, with or without its dot, in any case.
    pub fn lookup(&self, text: &str) -> Result<Diagnosis<'_>, Icd10Error> {
        let (buffer, len) =
            normalize(text).ok_or_else(|| Icd10Error::Malformed(text.to_owned()))?;
        match self.find(&buffer[..len]) {
            Some(index) => Ok(Diagnosis { set: self, index }),
            None => {
                let code = String::from_utf8_lossy(&buffer[..len]);
                Err(Icd10Error::Unknown(dotted(&code), self.release))
            }
        }
    }

    /// The index of an undotted, upper-case code.
    fn find(&self, code: &[u8]) -> Option<usize> {
        self.index.find(&self.keys, key(code))
    }

    /// The tabular's order of a prefix of at least three characters: its
    /// category's position in the tabular, then the rest as written.
    fn tabular_key<'t>(&self, prefix: &'t str) -> (Option<u32>, &'t str) {
        let (category, rest) = prefix.split_at(prefix.len().min(3));
        let position = self
            .categories
            .binary_search_by(|c| c.code.cmp(category))
            .ok()
            .map(|i| self.categories[i].position);
        (position, rest)
    }

    /// True when `code` (undotted) falls in `range` in the tabular's order, so
    /// that C4A.61 is inside C43-C44 and M1A inside M05-M14. A range end that is
    /// not a category of the release is compared as written.
    pub fn in_range(&self, range: &CodeRange<'_>, code: &str) -> bool {
        // Categories without a letter after the first character are in string
        // order in the tabular too; only the others need their position.
        if !lettered(code) && !lettered(range.low) && !lettered(range.high) {
            return code.len() >= 3 && range.contains(code);
        }
        // The tabular's places are of codes, which are ASCII; a text that is not
        // ASCII is in no lettered category.
        if !(code.is_ascii() && range.low.is_ascii() && range.high.is_ascii()) {
            return false;
        }
        let cut = |n: usize| &code[..n.min(code.len())];
        let ordered = |a: &str, b: &str| match (self.tabular_key(a), self.tabular_key(b)) {
            ((Some(x), ra), (Some(y), rb)) => (x, ra) <= (y, rb),
            _ => a <= b,
        };
        code.len() >= 3
            && ordered(range.low, cut(range.low.len()))
            && ordered(cut(range.high.len()), range.high)
    }

    /// Codes starting with `prefix` (undotted, upper case), in code order.
    pub fn with_prefix(&self, prefix: &str) -> impl Iterator<Item = Diagnosis<'_>> + '_ {
        let start = self.entries.partition_point(|e| e.code < prefix);
        let prefix = prefix.to_owned();
        self.entries[start..]
            .iter()
            .take_while(move |e| e.code.starts_with(prefix.as_str()))
            .enumerate()
            .map(move |(offset, _)| Diagnosis {
                set: self,
                index: start + offset,
            })
    }

    /// Searches by code prefix ("C50", "s72.00") or by words of the title
    /// ("neoplasm breast"): every word must occur. Prefix results are in code order;
    /// word results put an exact title first, then codes before their 7th-character
    /// extensions, then shorter (more general) codes, then code order.
    /// The query is refused when it is over the limits of [`crate::query`].
    pub fn search(&self, query: &str) -> Result<Vec<Diagnosis<'_>>, QueryError> {
        let words = query::words(query)?;
        let query = query.trim();
        if let Some(prefix) = code_prefix(query) {
            return Ok(self.with_prefix(&prefix).collect());
        }
        if words.is_empty() {
            return Ok(self.iter().collect());
        }
        let lowered = query.to_ascii_lowercase();
        // The rank has few values and the codes come in code order, so one pass
        // into buckets sorts them (a bucket keeps code order): linear, where a
        // comparison sort of ninety thousand matches was not.
        let mut buckets: Vec<Vec<Diagnosis<'_>>> = vec![Vec::new(); RANKS];
        for diagnosis in self.iter().filter(|d| d.matches_words(&words)) {
            let entry = diagnosis.entry();
            let exact = entry.extends == NONE && self.lower(entry.title) == lowered;
            let length = entry.code.len().min(MAX_CODE_LEN);
            buckets[(usize::from(!exact) * 2 + usize::from(entry.extension)) * (MAX_CODE_LEN + 1)
                + length]
                .push(diagnosis);
        }
        Ok(buckets.concat())
    }

    /// Every code, in code order.
    pub fn iter(&self) -> impl Iterator<Item = Diagnosis<'_>> + '_ {
        (0..self.entries.len()).map(move |index| Diagnosis { set: self, index })
    }
}

impl<'a> Diagnosis<'a> {
    fn entry(&self) -> &'a Entry {
        &self.set.entries[self.index]
    }

    /// The code without its dot, e.g. "C50911".
    pub fn code(&self) -> &'static str {
        self.entry().code
    }

    /// The code packed for integer comparison: codes order as their keys do.
    pub fn key(&self) -> u64 {
        self.set.keys[self.index]
    }

    /// The code in canonical dotted form, e.g. "C50.911".
    pub fn dotted(&self) -> String {
        dotted(self.code())
    }

    /// The full title; for a code made by adding a 7th character, the title of the
    /// code it extends and the character's meaning.
    pub fn description(&self) -> Cow<'static, str> {
        match self.title_parts() {
            [title, "", ""] => Cow::Borrowed(title),
            parts => Cow::Owned(parts.concat()),
        }
    }

    /// [`Diagnosis::description`] in the release's own parts, to be written one
    /// after the other: the title and two empty parts, or for a code made by
    /// adding a 7th character the title of the code it extends, ", " and the
    /// character's meaning.
    pub fn title_parts(&self) -> [&'static str; 3] {
        let entry = self.entry();
        match entry.extends {
            NONE => [entry.title, "", ""],
            base => [self.set.entries[base as usize].title, ", ", entry.title],
        }
    }

    /// True when every word (lower case) occurs in the description.
    pub fn matches_words(&self, words: &[String]) -> bool {
        let entry = self.entry();
        let own = self.set.lower(entry.title);
        let base = match entry.extends {
            NONE => "",
            base => self.set.lower(self.set.entries[base as usize].title),
        };
        words
            .iter()
            .all(|w| own.contains(w.as_str()) || base.contains(w.as_str()))
    }

    /// True when the code is valid for submission: a leaf, with its 7th character
    /// where the category requires one.
    pub fn billable(&self) -> bool {
        self.entry().flags & BILLABLE != 0
    }

    /// True for a header whose children are its 7th-character extensions.
    pub fn needs_seventh_character(&self) -> bool {
        self.entry().flags & NEEDS_SEVENTH != 0
    }

    /// True for a manifestation code ("in diseases classified elsewhere" in its own
    /// or an ancestor's title): never listed first.
    pub fn manifestation(&self) -> bool {
        self.entry().flags & MANIFESTATION != 0
    }

    /// The sex its block or category names, if any.
    pub fn sex(&self) -> Option<CodeSex> {
        let flags = self.entry().flags;
        if flags & FEMALE != 0 {
            Some(CodeSex::Female)
        } else if flags & MALE != 0 {
            Some(CodeSex::Male)
        } else {
            None
        }
    }

    /// True for a pregnancy, childbirth or puerperium code: chapter 15, or a
    /// pregnancy Z code (Z33.1, Z34, Z36, Z37, Z39, Z3A).
    pub fn maternity(&self) -> bool {
        self.entry().flags & MATERNITY != 0 || self.chapter().number == MATERNITY_CHAPTER
    }

    /// True for a code of a newborn only (Z38 liveborn infants, Z05 observation of
    /// a newborn, Z00.11 newborn examination): age 0 in the Medicare Code Editor.
    pub fn newborn_only(&self) -> bool {
        self.entry().flags & NEWBORN != 0
    }

    /// The block it belongs to.
    pub fn block(&self) -> &'a Block {
        &self.set.blocks[usize::from(self.entry().block)]
    }

    /// The chapter it belongs to.
    pub fn chapter(&self) -> &'a Chapter {
        let number = self.block().chapter;
        &self.set.chapters[(number - 1) as usize]
    }

    /// Its parent code, if it has one.
    pub fn parent(&self) -> Option<Diagnosis<'a>> {
        match self.entry().parent {
            NONE => None,
            parent => Some(Diagnosis {
                set: self.set,
                index: parent as usize,
            }),
        }
    }

    /// The code and its ancestors, nearest first.
    pub fn lineage(&self) -> impl Iterator<Item = Diagnosis<'a>> + 'a {
        std::iter::successors(Some(*self), Diagnosis::parent)
    }

    /// How many codes sit directly under it.
    pub fn children(&self) -> u32 {
        self.entry().children
    }

    /// How many billable codes lie under it.
    pub fn billable_descendants(&self) -> usize {
        self.set
            .with_prefix(self.code())
            .filter(|d| d.index != self.index && d.billable())
            .count()
    }

    /// The "Code first" note that governs it: its own or its nearest ancestor's.
    pub fn code_first(&self) -> Option<&'static str> {
        self.lineage()
            .find_map(|d| d.notes().and_then(|n| n.code_first))
    }

    fn notes(&self) -> Option<&'a Notes> {
        match self.entry().notes {
            NONE => None,
            index => self.set.notes.get(index as usize),
        }
    }

    /// True when an Excludes1 note of this code or an ancestor names `other`.
    pub fn excludes1(&self, other: &Diagnosis<'_>) -> bool {
        self.excludes1_ranges().any(|r| r.contains(other.code()))
    }

    /// The ranges its own and its ancestors' Excludes1 notes name.
    pub fn excludes1_ranges(&self) -> impl Iterator<Item = &'a CodeRange<'static>> + 'a {
        self.lineage()
            .filter_map(|d| d.notes())
            .flat_map(|n| n.excludes1.iter())
    }

    /// The same ranges as [`Diagnosis::excludes1_ranges`], packed, for
    /// comparison with [`Diagnosis::key`]s.
    pub fn excludes1_packed(&self) -> impl Iterator<Item = PackedRange> + 'a {
        self.lineage()
            .filter_map(|d| d.notes())
            .flat_map(|n| n.excludes1_packed.iter().copied())
    }
}

impl fmt::Display for Diagnosis<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dotted_parts(self.code())
            .into_iter()
            .try_for_each(|part| f.write_str(part))
    }
}

/// The code in upper case without its dot, when it has the ICD-10-CM shape: a
/// letter, a digit, a letter or digit, then up to four letters or digits; a dot
/// only after the third character.
pub fn undotted(text: &str) -> Option<String> {
    let (buffer, len) = normalize(text)?;
    Some(String::from_utf8_lossy(&buffer[..len]).into_owned())
}

/// The undotted, upper-case code in a buffer, without allocating.
fn normalize(text: &str) -> Option<([u8; 8], usize)> {
    let text = text.trim().as_bytes();
    let mut buffer = [0u8; 8];
    let mut len = 0;
    for (i, &byte) in text.iter().enumerate() {
        if byte == b'.' {
            // A dot only after the third character, and something after it.
            if i != 3 || len != 3 || i + 1 == text.len() {
                return None;
            }
            continue;
        }
        if len == 7 || !byte.is_ascii_alphanumeric() {
            return None;
        }
        buffer[len] = byte.to_ascii_uppercase();
        len += 1;
    }
    let shaped = len >= 3
        && buffer[0].is_ascii_uppercase()
        && buffer[1].is_ascii_digit()
        && buffer[2].is_ascii_alphanumeric();
    shaped.then_some((buffer, len))
}

/// A code of up to eight ASCII bytes packed big-endian, zero-padded: keys order as
/// the codes do.
fn key(code: &[u8]) -> u64 {
    (0..8).fold(0u64, |key, i| {
        (key << 8) | u64::from(code.get(i).copied().unwrap_or(0))
    })
}

/// The undotted, upper-case prefix when the query looks like the start of a code:
/// a letter, a digit, then letters, digits and at most one dot.
fn code_prefix(query: &str) -> Option<String> {
    let bytes = query.as_bytes();
    let shaped = bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.')
        && bytes.iter().filter(|b| **b == b'.').count() <= 1;
    shaped.then(|| query.replace('.', "").to_ascii_uppercase())
}

/// An undotted code in dotted form: "C50911" → "C50.911", "G63" → "G63".
pub fn dotted(code: &str) -> String {
    dotted_parts(code).concat()
}

/// An undotted code's dotted form as the parts it is written in: the category,
/// the dot and the rest, or the code and two empty parts for a category.
pub fn dotted_parts(code: &str) -> [&str; 3] {
    match (code.get(..3), code.get(3..)) {
        (Some(category), Some(rest)) if !rest.is_empty() => [category, ".", rest],
        _ => [code, "", ""],
    }
}

/// What the table's lines have given so far.
#[derive(Default)]
struct Parsed {
    release: &'static str,
    billable_count: u32,
    chapters: Vec<Chapter>,
    blocks: Vec<Block>,
    entries: Vec<Entry>,
    excludes1: Vec<(&'static str, Vec<CodeRange<'static>>)>,
    code_first: Vec<(&'static str, &'static str)>,
    categories: Vec<Category>,
}

/// Parses the table; the error is the 1-based line that is malformed.
fn parse(table: &'static str) -> Result<Icd10Cm, usize> {
    let mut parsed = Parsed {
        entries: Vec::with_capacity(100_000),
        ..Parsed::default()
    };
    for (number, line) in table.split_terminator('\n').enumerate() {
        let line_no = number + 1;
        let mut fields = line.split('\t');
        let kind = fields.next().ok_or(line_no)?;
        let mut field = || fields.next().ok_or(line_no);
        match kind {
            "R" => {
                parsed.release = field()?;
                parsed.billable_count = field()?.parse().map_err(|_| line_no)?;
            }
            "C" => parsed.chapters.push(Chapter {
                number: field()?.parse().map_err(|_| line_no)?,
                range: field()?,
                title: field()?,
            }),
            "B" => parsed
                .block((field()?, field()?, field()?))
                .ok_or(line_no)?,
            "D" => {
                let entry = diagnosis((field()?, field()?, field()?)).ok_or(line_no)?;
                parsed.entries.push(entry);
            }
            "X" => {
                let code = field()?;
                let ranges = code_ranges(field()?).ok_or(line_no)?;
                parsed.excludes1.push((code, ranges));
            }
            "F" => {
                let code = field()?;
                parsed.code_first.push((code, field()?));
            }
            _ => return Err(line_no),
        }
    }
    parsed.finish(table)
}

impl Parsed {
    /// A block line: its id, title and categories.
    fn block(
        &mut self,
        (id, title, codes): (&'static str, &'static str, &'static str),
    ) -> Option<()> {
        for code in codes.split(',') {
            self.categories.push(Category {
                code,
                block: u16::try_from(self.blocks.len()).ok()?,
                position: u32::try_from(self.categories.len()).ok()?,
            });
        }
        let (first, last) = id.split_once('-').unwrap_or((id, id));
        let chapter = self
            .chapters
            .iter()
            .find(|c: &&Chapter| {
                let (low, high) = c.range.split_once('-').unwrap_or((c.range, c.range));
                low <= first && first <= high
            })?
            .number;
        self.blocks.push(Block {
            id,
            title,
            chapter,
            first,
            last,
        });
        Some(())
    }

    /// Links the codes into their tree and attaches the notes; the error 0 means
    /// the codes are not in order or a note names no code.
    fn finish(mut self, table: &'static str) -> Result<Icd10Cm, usize> {
        self.categories.sort_unstable_by_key(|c| c.code);
        link(&mut self.entries, &self.categories);
        let keys: Vec<u64> = self
            .entries
            .iter()
            .map(|e| key(e.code.as_bytes()))
            .collect();
        if !keys.windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(0);
        }
        let mut notes: Vec<Notes> = Vec::new();
        for (code, ranges) in self.excludes1 {
            let index = notes_index(&mut self.entries, &keys, &mut notes, code)?;
            notes[index].excludes1_packed = ranges.iter().map(CodeRange::packed).collect();
            notes[index].excludes1 = ranges;
        }
        for (code, note) in self.code_first {
            let index = notes_index(&mut self.entries, &keys, &mut notes, code)?;
            notes[index].code_first = Some(note);
        }
        Ok(Icd10Cm {
            release: self.release,
            billable_count: self.billable_count,
            chapters: self.chapters,
            blocks: self.blocks,
            entries: self.entries,
            // ASCII lower-casing keeps every offset.
            lower: table.to_ascii_lowercase(),
            index: KeyIndex::new(&keys),
            keys,
            notes,
            categories: self.categories,
            table,
        })
    }
}

/// A diagnosis line: its code, flags and title (`^` marks a title that extends
/// its parent's).
fn diagnosis(
    (code, flags_text, raw_title): (&'static str, &'static str, &'static str),
) -> Option<Entry> {
    let (title, extension) = match raw_title.strip_prefix('^') {
        Some(rest) => (rest, true),
        None => (raw_title, false),
    };
    let mut flags = 0;
    for flag in flags_text.bytes() {
        flags |= match flag {
            b'B' => BILLABLE,
            b'H' => 0,
            b'M' => MANIFESTATION,
            b'f' => FEMALE,
            b'm' => MALE,
            b'P' => MATERNITY,
            b'N' => NEWBORN,
            _ => return None,
        };
    }
    Some(Entry {
        code,
        title,
        flags,
        block: 0,
        parent: NONE,
        extends: NONE,
        extension,
        notes: NONE,
        children: 0,
    })
}

/// Ranges written `low..high;low..high`.
fn code_ranges(text: &'static str) -> Option<Vec<CodeRange<'static>>> {
    text.split(';')
        .map(|range| {
            range
                .split_once("..")
                .map(|(low, high)| CodeRange { low, high })
        })
        .collect()
}

/// The index of a code's notes, made on first use; the error is "not a code" (0).
fn notes_index(
    entries: &mut [Entry],
    keys: &[u64],
    notes: &mut Vec<Notes>,
    code: &str,
) -> Result<usize, usize> {
    let index = keys
        .binary_search(&key(code.as_bytes()))
        .map_err(|_| 0usize)?;
    if entries[index].notes == NONE {
        entries[index].notes = notes.len() as u32;
        notes.push(Notes::default());
    }
    Ok(entries[index].notes as usize)
}

/// Sets each code's parent, block, 7th-character base and child count.
fn link(entries: &mut [Entry], categories: &[Category]) {
    let find = |entries: &[Entry], code: &str| entries.binary_search_by(|e| e.code.cmp(code)).ok();
    for index in 0..entries.len() {
        let code = entries[index].code;
        let extension = entries[index].extension;
        // The nearest existing proper prefix, with 7th-character placeholders dropped.
        let parent = (3..code.len())
            .rev()
            .map(|n| code[..n].trim_end_matches('X'))
            .filter(|prefix| prefix.len() >= 3)
            .find_map(|prefix| find(entries, prefix));
        entries[index].parent = parent.map_or(NONE, |p| p as u32);
        entries[index].extends = match (extension, parent) {
            (true, Some(p)) => p as u32,
            _ => NONE,
        };
        if let Some(parent) = parent {
            entries[parent].children += 1;
            if extension {
                entries[parent].flags |= NEEDS_SEVENTH;
            }
        }
        let category = &code[..3];
        entries[index].block = categories
            .binary_search_by(|c| c.code.cmp(category))
            .map_or(0, |found| categories[found].block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> &'static Icd10Cm {
        Icd10Cm::embedded()
    }

    /// The look-up by category finds every code of the release where it is, and
    /// nothing for codes that are not in it.
    #[test]
    fn every_code_is_found_by_its_category() {
        let set = set();
        // Entries that are not shaped like codes (none can be looked up) aside.
        for diagnosis in set.iter().filter(|d| normalize(d.code()).is_some()) {
            let found = set.lookup(diagnosis.code()).expect("a code of the set");
            assert_eq!(found.index, diagnosis.index, "{}", diagnosis.code());
        }
        for absent in ["A0000", "Z9999", "C4A99", "U0", "A00.01"] {
            assert!(set.lookup(absent).is_err(), "{absent}");
        }
    }

    /// Packed ranges answer as the ranges themselves, for every code and every
    /// Excludes1 range of the release, and for short and long bounds.
    #[test]
    fn packed_ranges_agree_with_string_ranges() {
        let set = set();
        let mut ranges: Vec<CodeRange<'static>> = set
            .notes
            .iter()
            .flat_map(|n| n.excludes1.iter().copied())
            .collect();
        ranges.extend([
            CodeRange {
                low: "C",
                high: "D4",
            },
            CodeRange {
                low: "E08",
                high: "E13",
            },
            CodeRange {
                low: "S72001A",
                high: "S72009S",
            },
        ]);
        ranges.sort_unstable_by_key(|r| (r.low, r.high));
        ranges.dedup();
        let codes: Vec<Diagnosis<'_>> = set.iter().step_by(97).collect();
        for range in &ranges {
            let packed = range.packed();
            for code in &codes {
                assert_eq!(packed.below(code.key()), range.below(code.code()));
                assert_eq!(packed.not_above(code.key()), range.not_above(code.code()));
            }
        }
    }

    /// Codes with a letter in the category are placed by the tabular's sections.
    #[test]
    fn letter_categories_sit_in_their_tabular_blocks() {
        let placed = |code: &str| {
            let d = set().lookup(code).expect("known");
            (d.chapter().number, d.block().id)
        };
        assert_eq!(placed("C4A.61"), (2, "C43-C44"));
        assert_eq!(placed("Z3A.39"), (21, "Z30-Z39"));
        assert_eq!(placed("M1A.071"), (13, "M05-M14"));
        assert_eq!(placed("D3A.010"), (2, "D3A"));
        assert_eq!(placed("I1A.0"), (9, "I10-I1A"));
        assert_eq!(placed("C50.911"), (2, "C50"));
    }

    #[test]
    fn release_counts() {
        // The CDC code list of the same release (code-list-April-2026.txt, shipped
        // beside the tabular XML in simple-icd-10-cm 1.5.0) has 74,719 leaves: the
        // codes valid for submission. tools/icd10cm/generate.py checks that the
        // billable codes it derives are exactly those leaves.
        assert_eq!(set().billable_count(), 74_719);
        assert_eq!(set().iter().filter(|d| d.billable()).count(), 74_719);
        assert_eq!(set().code_count(), 98_186);
        assert_eq!(set().chapters().len(), 22);
    }

    #[test]
    fn lookups_with_and_without_dot() {
        let with = set().lookup("C50.911").expect("known");
        let without = set().lookup("c50911").expect("known");
        assert_eq!((with.code(), without.code()), ("C50911", "C50911"));
        assert_eq!(with.dotted(), "C50.911");
        assert!(with.billable());
        assert_eq!(
            with.description(),
            "Malignant neoplasm of unspecified site of right female breast"
        );
        assert_eq!(with.block().id, "C50");
        assert_eq!(with.chapter().number, 2);
        assert_eq!(with.parent().map(|p| p.dotted()), Some("C50.91".to_owned()));
        assert_eq!(
            set().lookup("C50.9111").err(),
            Some(Icd10Error::Unknown("C50.9111".into(), set().release()))
        );
        assert_eq!(
            set().lookup("C5").err(),
            Some(Icd10Error::Malformed("C5".into()))
        );
    }

    #[test]
    fn headers_and_seventh_characters() {
        let header = set().lookup("C50").expect("known");
        assert!(!header.billable());
        assert_eq!(header.billable_descendants(), 57);
        let fracture = set().lookup("S72.001").expect("known");
        assert!(!fracture.billable() && fracture.needs_seventh_character());
        let extended = set().lookup("S72.001A").expect("known");
        assert!(extended.billable());
        assert_eq!(
            extended.description(),
            "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
        );
        assert_eq!(extended.parent().map(|p| p.code()), Some("S72001"));
        let placeholder = set().lookup("V43.52XA").expect("known");
        assert_eq!(placeholder.parent().map(|p| p.code()), Some("V4352"));
        assert_eq!(placeholder.chapter().number, 20);
    }

    #[test]
    fn manifestation_excludes_and_sex() {
        let g63 = set().lookup("G63").expect("known");
        assert!(g63.manifestation() && g63.billable());
        assert!(
            g63.code_first()
                .is_some_and(|n| n.starts_with("underlying disease"))
        );
        let lyme = set().lookup("A69.22").expect("known");
        assert!(g63.excludes1(&lyme));
        assert!(!lyme.excludes1(&g63));
        assert_eq!(
            set().lookup("N40.0").expect("known").sex(),
            Some(CodeSex::Male)
        );
        assert_eq!(
            set().lookup("N80.00").map(|d| d.sex()).ok().flatten(),
            Some(CodeSex::Female)
        );
        // Titles that name the patient's sex: "... right female breast".
        assert_eq!(
            set().lookup("C50.911").expect("known").sex(),
            Some(CodeSex::Female)
        );
        assert_eq!(
            set().lookup("C50.921").expect("known").sex(),
            Some(CodeSex::Male)
        );
        assert_eq!(set().lookup("C50.9").expect("known").sex(), None);
        assert!(set().lookup("Z3A.39").expect("known").maternity());
        assert!(set().lookup("Z38.00").expect("known").newborn_only());
        assert_eq!(set().lookup("Y07.030").expect("known").sex(), None);
    }

    #[test]
    fn search_by_prefix_and_words() {
        let by_prefix: Vec<String> = set()
            .search("c50.91")
            .expect("within limits")
            .iter()
            .map(|d| d.dotted())
            .collect();
        assert_eq!(by_prefix, ["C50.91", "C50.911", "C50.912", "C50.919"]);
        let by_words: Vec<String> = set()
            .search("Polyneuropathy classified elsewhere")
            .expect("within limits")
            .iter()
            .map(|d| d.dotted())
            .collect();
        assert_eq!(by_words.first().map(String::as_str), Some("G63"));
        let exact = set().search("cholera").expect("within limits");
        assert_eq!(exact.first().map(|d| d.dotted()), Some("A00".to_owned()));
        assert!(set().search("zzzz qqqq").expect("within limits").is_empty());
    }

    #[test]
    fn code_ranges() {
        let range = CodeRange {
            low: "E08",
            high: "E13",
        };
        assert!(range.contains("E1142") && range.contains("E08") && !range.contains("E14"));
        assert_eq!(undotted("c50.911").as_deref(), Some("C50911"));
        assert_eq!(undotted("C50."), None);
        assert_eq!(undotted("éé"), None);
        assert_eq!(dotted("V4352XA"), "V43.52XA");
    }
}
