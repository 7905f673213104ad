//! The anesthesia code catalog: every anesthesia code with anescode's own short
//! description, its subsection, its base units and their source, and the facts the
//! coding rules need (add-on, time units, extreme age, effective dates).

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;

use crate::query::QueryError;
use crate::{BaseUnitSchedule, BaseUnits, Code, Crosswalk, LoadError, Subsection};

const CODES_CSV: &str = include_str!("../data/anesthesia_codes.csv");
const CODES_FILE: &str = "crates/codes/data/anesthesia_codes.csv";

/// What kind of code a catalog entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// An anesthesia code 00100–01999.
    Anesthesia,
    /// A qualifying-circumstance add-on code (99100, 99116, 99135, 99140).
    QualifyingCircumstance,
}

/// One code of the catalog.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    /// The code.
    pub code: Code,
    /// anescode's own short description.
    pub description: String,
    /// Anesthesia or qualifying circumstance.
    pub kind: CodeKind,
    /// The CPT subsection (anesthesia codes only).
    pub subsection: Option<&'static Subsection>,
    /// The base units in force, `None` when no source prices the code.
    pub base_units: Option<BaseUnits>,
    /// True for add-on codes.
    pub add_on: bool,
    /// For add-on anesthesia codes, the primary codes they must accompany.
    pub primary_codes: Vec<Code>,
    /// False for codes that take no time units.
    pub time_units_apply: bool,
    /// True when the descriptor already reflects extreme age.
    pub reflects_extreme_age: bool,
    /// First valid date of service; `None` when it predates every source.
    pub effective_from: Option<Date>,
    /// Last valid date of service; `None` while current.
    pub effective_to: Option<Date>,
    /// A note on the code's data.
    pub note: String,
    search_text: String,
}

impl CatalogEntry {
    /// True when the code is valid for a date of service.
    pub fn is_active_on(&self, date: Date) -> bool {
        self.effective_from.is_none_or(|from| from <= date)
            && self.effective_to.is_none_or(|to| date <= to)
    }
}

/// A search of the catalog.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery<'a> {
    /// Digits: a code prefix. Words: each must occur in the description.
    pub text: &'a str,
    /// Restrict to one subsection (1–19).
    pub subsection: Option<u32>,
    /// How many matches to skip.
    pub offset: usize,
    /// At most this many entries.
    pub limit: usize,
}

/// One page of search results.
#[derive(Debug)]
pub struct SearchPage<'a> {
    /// The entries of the page, in code order.
    pub entries: Vec<&'a CatalogEntry>,
    /// How many entries match in all.
    pub total: usize,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// The catalog in force: codes, the base-unit schedule that prices them and the
/// crosswalk, if one is loaded.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    index: HashMap<Code, usize>,
    schedule: BaseUnitSchedule,
    crosswalk: Option<Crosswalk>,
    version: String,
}

impl Catalog {
    /// The embedded codes priced by `schedule`. Fails when the schedule prices a
    /// code the catalog does not know, or the crosswalk points to one.
    pub fn new(
        schedule: BaseUnitSchedule,
        crosswalk: Option<Crosswalk>,
    ) -> Result<Self, LoadError> {
        let mut entries = parse_codes(CODES_CSV, Path::new(CODES_FILE))?;
        let known = |code: Code| entries.iter().any(|e| e.code == code);
        if let Some(unknown) = schedule.codes().find(|&c| !known(c)) {
            return Err(unknown_code_error(&schedule, unknown));
        }
        if let Some(crosswalk) = &crosswalk
            && let Some(unknown) = crosswalk.anesthesia_codes().find(|&c| !known(c))
        {
            return Err(LoadError::Row {
                file: crosswalk.file().to_owned(),
                line: 0,
                message: format!("anesthesia code {unknown} is not in anescode's catalog"),
            });
        }
        for entry in &mut entries {
            entry.base_units = schedule.get(entry.code).cloned();
        }
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code, i))
            .collect();
        let mut version = format!("anescode-codes {}; {schedule}", env!("CARGO_PKG_VERSION"));
        if let Some(crosswalk) = &crosswalk {
            version.push_str(&format!(
                "; crosswalk {} ({} surgical codes)",
                crosswalk.file().display(),
                crosswalk.surgical_code_count()
            ));
        }
        Ok(Catalog {
            entries,
            index,
            schedule,
            crosswalk,
            version,
        })
    }

    /// The embedded codes priced by the embedded schedule, without a crosswalk.
    pub fn embedded() -> Self {
        Catalog::new(BaseUnitSchedule::embedded(), None)
            .unwrap_or_else(|error| panic!("embedded catalog is corrupt: {error}"))
    }

    /// The version string every decision reports: crate version, base-unit
    /// schedule with its effective date, and the crosswalk.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The schedule that prices the codes.
    pub fn schedule(&self) -> &BaseUnitSchedule {
        &self.schedule
    }

    /// The crosswalk, if one is loaded.
    pub fn crosswalk(&self) -> Option<&Crosswalk> {
        self.crosswalk.as_ref()
    }

    /// One code.
    pub fn get(&self, code: Code) -> Option<&CatalogEntry> {
        self.index.get(&code).map(|&i| &self.entries[i])
    }

    /// Every entry, in code order.
    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// Searches by code prefix or description words.
    ///
    /// The query is refused when it is over the limits of [`crate::query`].
    pub fn search(&self, query: &SearchQuery<'_>) -> Result<SearchPage<'_>, QueryError> {
        let words = crate::query::words(query.text)?;
        let text = query.text.trim();
        let is_prefix = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let matches = |entry: &&CatalogEntry| {
            if let Some(number) = query.subsection
                && entry.subsection.is_none_or(|s| s.number != number)
            {
                return false;
            }
            if is_prefix {
                entry.code.as_str().starts_with(text)
            } else {
                words.iter().all(|w| entry.search_text.contains(w.as_str()))
            }
        };
        let mut total = 0;
        let mut page = Vec::new();
        for entry in self.entries.iter().filter(matches) {
            if total >= query.offset && page.len() < query.limit {
                page.push(entry);
            }
            total += 1;
        }
        let end = query.offset + page.len();
        Ok(SearchPage {
            entries: page,
            total,
            next_offset: (end < total && query.limit > 0).then_some(end),
        })
    }
}

fn unknown_code_error(schedule: &BaseUnitSchedule, code: Code) -> LoadError {
    let file = match schedule.origin() {
        crate::ScheduleOrigin::File(path) => path.clone(),
        crate::ScheduleOrigin::Embedded => Path::new("embedded base-unit schedule").to_owned(),
    };
    LoadError::Row {
        file,
        line: 0,
        message: format!(
            "code {code} is not in anescode's catalog; add it to {CODES_FILE} with a description"
        ),
    }
}

fn parse_codes(text: &str, path: &Path) -> Result<Vec<CatalogEntry>, LoadError> {
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let mut entries: Vec<CatalogEntry> = Vec::new();
    for record in csv.records() {
        let record = record.map_err(|e| LoadError::csv(path, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let code: Code = field(0)
            .parse()
            .map_err(|e| LoadError::row(path, line, format!("code {:?}: {e}", field(0))))?;
        let kind = if code.is_anesthesia() {
            CodeKind::Anesthesia
        } else {
            CodeKind::QualifyingCircumstance
        };
        let flag = |i: usize| match field(i) {
            "Y" => Ok(true),
            "N" => Ok(false),
            other => Err(LoadError::row(
                path,
                line,
                format!("flag {other:?} is not Y or N"),
            )),
        };
        let date = |i: usize| -> Result<Option<Date>, LoadError> {
            match field(i) {
                "" => Ok(None),
                text => text
                    .parse()
                    .map(Some)
                    .map_err(|e| LoadError::row(path, line, format!("date {text:?}: {e}"))),
            }
        };
        let (add_on, primary_codes) = match field(2) {
            "" => (false, Vec::new()),
            "*" => (true, Vec::new()),
            list => {
                let codes = list
                    .split_whitespace()
                    .map(|c| c.parse::<Code>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| LoadError::row(path, line, format!("primary code: {e}")))?;
                (true, codes)
            }
        };
        let description = field(1).to_owned();
        if entries.last().is_some_and(|last| last.code >= code) {
            return Err(LoadError::row(
                path,
                line,
                format!("code {code} is out of order"),
            ));
        }
        entries.push(CatalogEntry {
            code,
            search_text: format!("{code} {}", description.to_lowercase()),
            description,
            kind,
            subsection: Subsection::of(code),
            base_units: None,
            add_on,
            primary_codes,
            time_units_apply: flag(3)?,
            reflects_extreme_age: flag(4)?,
            effective_from: date(5)?,
            effective_to: date(6)?,
            note: field(7).to_owned(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code {
        text.parse().expect("valid code")
    }

    #[test]
    fn every_anesthesia_code_has_a_subsection() {
        let catalog = Catalog::embedded();
        for entry in catalog.entries() {
            match entry.kind {
                CodeKind::Anesthesia => assert!(entry.subsection.is_some(), "{:?}", entry.code),
                CodeKind::QualifyingCircumstance => assert!(entry.subsection.is_none()),
            }
        }
    }

    #[test]
    fn catalog_counts() {
        let catalog = Catalog::embedded();
        assert_eq!(catalog.entries().len(), 285);
        let today = jiff::civil::date(2026, 11, 23);
        let active: Vec<_> = catalog
            .entries()
            .iter()
            .filter(|e| e.kind == CodeKind::Anesthesia && e.is_active_on(today))
            .collect();
        assert_eq!(active.len(), 277);
        let unpriced: Vec<&str> = active
            .iter()
            .filter(|e| e.base_units.is_none())
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(
            unpriced,
            [
                "01937", "01938", "01939", "01940", "01941", "01942", "01995", "01996"
            ]
        );
    }

    #[test]
    fn add_ons_time_units_and_extreme_age() {
        let catalog = Catalog::embedded();
        let entry = |c: &str| catalog.get(code(c)).expect("in catalog");
        assert_eq!(entry("01953").primary_codes, [code("01952")]);
        assert_eq!(entry("01968").primary_codes, [code("01967")]);
        assert_eq!(entry("01969").primary_codes, [code("01967")]);
        assert!(entry("99100").add_on);
        assert_eq!(entry("99100").kind, CodeKind::QualifyingCircumstance);
        let no_time: Vec<&str> = catalog
            .entries()
            .iter()
            .filter(|e| e.kind == CodeKind::Anesthesia && !e.time_units_apply)
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(no_time, ["01953", "01995", "01996"]);
        let age: Vec<&str> = catalog
            .entries()
            .iter()
            .filter(|e| e.reflects_extreme_age)
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(age, ["00326", "00561", "00834", "00836"]);
    }

    #[test]
    fn deleted_codes_are_inactive_after_deletion() {
        let catalog = Catalog::embedded();
        let old = catalog.get(code("00740")).expect("kept for history");
        assert!(old.is_active_on(jiff::civil::date(2017, 12, 31)));
        assert!(!old.is_active_on(jiff::civil::date(2018, 1, 1)));
        let new = catalog.get(code("01937")).expect("in catalog");
        assert!(!new.is_active_on(jiff::civil::date(2021, 12, 31)));
        assert!(new.is_active_on(jiff::civil::date(2022, 1, 1)));
    }

    #[test]
    fn search_by_prefix_words_and_subsection_with_pages() {
        let catalog = Catalog::embedded();
        let codes = |page: &SearchPage<'_>| -> Vec<String> {
            page.entries.iter().map(|e| e.code.to_string()).collect()
        };
        let page = catalog
            .search(&SearchQuery {
                text: "0040",
                limit: 10,
                ..Default::default()
            })
            .expect("within limits");
        assert_eq!(codes(&page), ["00400", "00402", "00404", "00406"]);
        let page = catalog
            .search(&SearchQuery {
                text: "Breast RADICAL",
                limit: 10,
                ..Default::default()
            })
            .expect("within limits");
        assert_eq!(codes(&page), ["00404", "00406"]);
        let first = catalog
            .search(&SearchQuery {
                text: "",
                subsection: Some(18),
                offset: 0,
                limit: 5,
            })
            .expect("within limits");
        assert_eq!(first.total, 10);
        assert_eq!(codes(&first), ["01958", "01960", "01961", "01962", "01963"]);
        assert_eq!(first.next_offset, Some(5));
        let last = catalog
            .search(&SearchQuery {
                text: "",
                subsection: Some(18),
                offset: 5,
                limit: 5,
            })
            .expect("within limits");
        assert_eq!(codes(&last), ["01965", "01966", "01967", "01968", "01969"]);
        assert_eq!(last.next_offset, None);
    }

    #[test]
    fn version_names_the_schedule() {
        assert_eq!(
            Catalog::embedded().version(),
            format!(
                "anescode-codes {}; base units VA-RC-2018 effective 2018-01-01 (embedded default)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn schedule_with_a_code_outside_the_catalog_is_refused() {
        let dir = std::env::temp_dir().join(format!("anescode-cms-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("cms.csv");
        std::fs::write(&path, "CPT Code,Base Unit\n00100,5\n00230,6\n").expect("write");
        let schedule =
            BaseUnitSchedule::from_cms_file(&path, jiff::civil::date(2026, 1, 1)).expect("parses");
        let error = Catalog::new(schedule, None).expect_err("00230 is unknown");
        assert!(
            error
                .to_string()
                .contains("code 00230 is not in anescode's catalog"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
