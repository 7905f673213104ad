//! Base-unit schedules: which base units apply to each anesthesia code, and where
//! each value comes from.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::{Code, LoadError};

/// The schedule compiled into anescode (domain reference §9): the VA Reasonable
/// Charges v3.23 professional services table, effective 2018-01-01, with every
/// value's corroboration.
const EMBEDDED_CSV: &str = include_str!("../data/base_units_va_rc_2018.csv");
const EMBEDDED_ID: &str = "VA-RC-2018";
const EMBEDDED_NAME: &str = "VA Reasonable Charges v3.23 anesthesia base units (2018 US government \
     schedule; not the CMS file)";
const EMBEDDED_FILE: &str = "crates/codes/data/base_units_va_rc_2018.csv";

/// How well one base-unit value is corroborated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corroboration {
    /// The schedule and at least one independent publisher agree.
    Verified,
    /// Only the schedule gives the value.
    SingleSource,
    /// An independent source disagrees; the schedule's value is kept.
    Conflict,
    /// The value comes from the official CMS file loaded by the operator.
    Official,
}

impl Corroboration {
    /// The status as written in the data and reported by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Corroboration::Verified => "VERIFIED",
            Corroboration::SingleSource => "SINGLE_SOURCE",
            Corroboration::Conflict => "CONFLICT",
            Corroboration::Official => "OFFICIAL",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "VERIFIED" => Some(Corroboration::Verified),
            "SINGLE_SOURCE" => Some(Corroboration::SingleSource),
            "CONFLICT" => Some(Corroboration::Conflict),
            _ => None,
        }
    }
}

/// The base units of one code in one schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUnits {
    /// Whole base units.
    pub units: u32,
    /// How well the value is corroborated.
    pub corroboration: Corroboration,
    /// The sources consulted, as recorded in the data.
    pub evidence: String,
}

/// Where a schedule was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleOrigin {
    /// Compiled into anescode.
    Embedded,
    /// Read from this file at start-up.
    File(PathBuf),
}

/// A base-unit schedule: one value per priced code, the schedule's identity and the
/// date its values apply from.
#[derive(Debug, Clone)]
pub struct BaseUnitSchedule {
    id: String,
    name: String,
    effective: Date,
    origin: ScheduleOrigin,
    units: HashMap<Code, BaseUnits>,
}

impl BaseUnitSchedule {
    /// The schedule compiled into anescode: VA-RC-2018 (see `crates/codes/data`).
    pub fn embedded() -> Self {
        let path = Path::new(EMBEDDED_FILE);
        // The embedded file is checked by this crate's tests; failing here would be a
        // build defect, so the error is surfaced loudly rather than hidden.
        let units = parse_embedded(EMBEDDED_CSV.as_bytes(), path)
            .unwrap_or_else(|error| panic!("embedded base-unit schedule is corrupt: {error}"));
        BaseUnitSchedule {
            id: EMBEDDED_ID.to_owned(),
            name: EMBEDDED_NAME.to_owned(),
            effective: jiff::civil::date(2018, 1, 1),
            origin: ScheduleOrigin::Embedded,
            units,
        }
    }

    /// Loads the CMS "Anesthesia Base Units by CPT Code" file, saved as CSV. Title
    /// lines before the header are skipped; the header must have a code column
    /// ("CPT Code", "HCPCS", "Code") and a base-unit column ("Base Unit(s)"). Every
    /// data row must hold an anesthesia code and a whole number of units.
    pub fn from_cms_file(path: &Path, effective: Date) -> Result<Self, LoadError> {
        let file = std::fs::File::open(path).map_err(|source| LoadError::Read {
            file: path.to_owned(),
            source,
        })?;
        let units = parse_cms(file, path)?;
        Ok(BaseUnitSchedule {
            id: "CMS-FILE".to_owned(),
            name: "CMS Anesthesia Base Units by CPT Code (loaded by the operator)".to_owned(),
            effective,
            origin: ScheduleOrigin::File(path.to_owned()),
            units,
        })
    }

    /// The schedule's short identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the schedule is, in words.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The date its values apply from.
    pub fn effective(&self) -> Date {
        self.effective
    }

    /// Where it was loaded from.
    pub fn origin(&self) -> &ScheduleOrigin {
        &self.origin
    }

    /// How many codes it prices.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// True when it prices no code.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The base units of one code, if the schedule prices it.
    pub fn get(&self, code: Code) -> Option<&BaseUnits> {
        self.units.get(&code)
    }

    /// The priced codes, in no particular order.
    pub fn codes(&self) -> impl Iterator<Item = Code> + '_ {
        self.units.keys().copied()
    }
}

impl fmt::Display for BaseUnitSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "base units {} effective {}", self.id, self.effective)?;
        match &self.origin {
            ScheduleOrigin::Embedded => f.write_str(" (embedded default)"),
            ScheduleOrigin::File(path) => write!(f, " (loaded from {})", path.display()),
        }
    }
}

fn parse_embedded(reader: impl Read, path: &Path) -> Result<HashMap<Code, BaseUnits>, LoadError> {
    let mut csv = csv::Reader::from_reader(reader);
    let mut units = HashMap::new();
    for record in csv.records() {
        let record = record.map_err(|e| LoadError::csv(path, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let code = parse_anesthesia_code(field(0), path, line)?;
        let value = parse_units(field(1), path, line)?;
        let corroboration = Corroboration::parse(field(2))
            .ok_or_else(|| LoadError::row(path, line, format!("unknown status {:?}", field(2))))?;
        let entry = BaseUnits {
            units: value,
            corroboration,
            evidence: field(3).to_owned(),
        };
        if units.insert(code, entry).is_some() {
            return Err(LoadError::row(
                path,
                line,
                format!("code {code} appears twice"),
            ));
        }
    }
    Ok(units)
}

fn parse_cms(reader: impl Read, path: &Path) -> Result<HashMap<Code, BaseUnits>, LoadError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut columns: Option<(usize, usize)> = None;
    let mut units = HashMap::new();
    for record in csv.records() {
        let record = record.map_err(|e| LoadError::csv(path, &e))?;
        let line = record.position().map_or(0, csv::Position::line);
        let Some((code_column, units_column)) = columns else {
            columns = header_columns(&record);
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default().trim();
        let code = parse_anesthesia_code(cell(code_column), path, line)?;
        let value = parse_units(cell(units_column), path, line)?;
        let entry = BaseUnits {
            units: value,
            corroboration: Corroboration::Official,
            evidence: format!("{} line {line}", path.display()),
        };
        if units.insert(code, entry).is_some() {
            return Err(LoadError::row(
                path,
                line,
                format!("code {code} appears twice"),
            ));
        }
    }
    if columns.is_none() {
        return Err(LoadError::Header {
            file: path.to_owned(),
            expected: "\"CPT Code\" (or \"HCPCS\", \"Code\") and \"Base Unit\"".to_owned(),
        });
    }
    if units.is_empty() {
        return Err(LoadError::Empty {
            file: path.to_owned(),
        });
    }
    Ok(units)
}

/// Finds the code and base-unit columns in a header row.
fn header_columns(record: &csv::StringRecord) -> Option<(usize, usize)> {
    let normalized: Vec<String> = record
        .iter()
        .map(|cell| {
            cell.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect();
    let code = normalized.iter().position(|name| {
        matches!(
            name.as_str(),
            "cpt" | "cptcode" | "code" | "hcpcs" | "hcpcscode" | "procedurecode"
        )
    })?;
    let units = normalized.iter().position(|name| {
        matches!(
            name.as_str(),
            "baseunit" | "baseunits" | "anesthesiabaseunit" | "anesthesiabaseunits"
        )
    })?;
    Some((code, units))
}

fn parse_anesthesia_code(text: &str, path: &Path, line: u64) -> Result<Code, LoadError> {
    let code: Code = text
        .parse()
        .map_err(|e| LoadError::row(path, line, format!("code {text:?}: {e}")))?;
    if !code.is_anesthesia() {
        return Err(LoadError::row(
            path,
            line,
            format!("code {code} is not an anesthesia code (00100-01999)"),
        ));
    }
    Ok(code)
}

fn parse_units(text: &str, path: &Path, line: u64) -> Result<u32, LoadError> {
    let whole = text
        .strip_suffix(".00")
        .or_else(|| text.strip_suffix(".0"))
        .unwrap_or(text);
    match whole.parse::<u32>() {
        Ok(units) if units <= 100 => Ok(units),
        _ => Err(LoadError::row(
            path,
            line,
            format!("base units {text:?} are not a whole number from 0 to 100"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code {
        text.parse().expect("valid code")
    }

    #[test]
    fn embedded_schedule_matches_the_reference_counts() {
        let schedule = BaseUnitSchedule::embedded();
        assert_eq!(schedule.len(), 269);
        let count = |status| {
            schedule
                .units
                .values()
                .filter(|u| u.corroboration == status)
                .count()
        };
        // domain reference §9: 46 VERIFIED, 219 SINGLE_SOURCE, 4 CONFLICT.
        assert_eq!(count(Corroboration::Verified), 46);
        assert_eq!(count(Corroboration::SingleSource), 219);
        assert_eq!(count(Corroboration::Conflict), 4);
        let u = schedule.get(code("00402")).expect("priced");
        assert_eq!((u.units, u.corroboration), (5, Corroboration::SingleSource));
        assert_eq!(schedule.get(code("00406")).map(|u| u.units), Some(13));
        assert_eq!(schedule.get(code("01937")), None);
        assert_eq!(
            schedule.to_string(),
            "base units VA-RC-2018 effective 2018-01-01 (embedded default)"
        );
    }

    #[test]
    fn cms_file_with_title_lines_is_read() {
        let text = "2026 Anesthesia Base Units by CPT Code\n\n\
                    CPT Code,Description,Base Unit\n\
                    00100,Salivary gland,5\n00402,Breast reconstruction,5.0\n\n";
        let units = parse_cms(text.as_bytes(), Path::new("cms.csv")).expect("parses");
        assert_eq!(units.len(), 2);
        assert_eq!(units[&code("00402")].units, 5);
        assert_eq!(units[&code("00402")].evidence, "cms.csv line 5");
    }

    #[test]
    fn cms_file_errors_name_file_and_line() {
        let bad_units = "CPT Code,Base Unit\n00100,5\n00102,five\n";
        let error = parse_cms(bad_units.as_bytes(), Path::new("cms.csv")).expect_err("bad");
        assert_eq!(
            error.to_string(),
            "cms.csv:3: base units \"five\" are not a whole number from 0 to 100"
        );
        let bad_code = "CPT Code,Base Unit\n19318,5\n";
        let error = parse_cms(bad_code.as_bytes(), Path::new("cms.csv")).expect_err("bad");
        assert_eq!(
            error.to_string(),
            "cms.csv:2: code 19318 is not an anesthesia code (00100-01999)"
        );
        let duplicate = "Code,Base Units\n00100,5\n00100,6\n";
        let error = parse_cms(duplicate.as_bytes(), Path::new("cms.csv")).expect_err("bad");
        assert_eq!(error.to_string(), "cms.csv:3: code 00100 appears twice");
        let no_header = "00100,5\n";
        let error = parse_cms(no_header.as_bytes(), Path::new("cms.csv")).expect_err("bad");
        assert!(matches!(error, LoadError::Header { .. }), "{error}");
        let empty = "CPT Code,Base Unit\n";
        let error = parse_cms(empty.as_bytes(), Path::new("cms.csv")).expect_err("bad");
        assert_eq!(error.to_string(), "cms.csv: holds no data rows");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let error = BaseUnitSchedule::from_cms_file(
            Path::new("/nonexistent/cms.csv"),
            jiff::civil::date(2026, 1, 1),
        )
        .expect_err("missing");
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/cms.csv: cannot read")
        );
    }
}
