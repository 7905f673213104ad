//! A surgical-CPT → anesthesia-code crosswalk (the licensed ASA crosswalk or a
//! hospital's own mapping), loaded from CSV at start-up.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{Code, LoadError};

/// Maps surgical CPT codes to their candidate anesthesia codes, in the file's order.
#[derive(Debug, Clone)]
pub struct Crosswalk {
    file: PathBuf,
    candidates: HashMap<Code, Vec<Code>>,
    mapping_count: usize,
}

impl Crosswalk {
    /// Loads a crosswalk CSV with a header holding `surgical_cpt` and
    /// `anesthesia_code` columns (other columns are ignored). Several rows for one
    /// surgical code give several candidates; the first row is the preferred one.
    pub fn from_file(path: &Path) -> Result<Self, LoadError> {
        let file = std::fs::File::open(path).map_err(|source| LoadError::Read {
            file: path.to_owned(),
            source,
        })?;
        Self::from_reader(file, path)
    }

    /// As [`Crosswalk::from_file`], from any reader; `path` names it in errors.
    pub fn from_reader(reader: impl Read, path: &Path) -> Result<Self, LoadError> {
        let mut csv = csv::Reader::from_reader(reader);
        let headers = csv.headers().map_err(|e| LoadError::csv(path, &e))?.clone();
        let column = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(surgical_column), Some(anesthesia_column)) =
            (column("surgical_cpt"), column("anesthesia_code"))
        else {
            return Err(LoadError::Header {
                file: path.to_owned(),
                expected: "surgical_cpt and anesthesia_code".to_owned(),
            });
        };
        let mut candidates: HashMap<Code, Vec<Code>> = HashMap::new();
        let mut mapping_count = 0;
        for record in csv.records() {
            let record = record.map_err(|e| LoadError::csv(path, &e))?;
            let line = record.position().map_or(0, csv::Position::line);
            let cell = |i: usize| record.get(i).unwrap_or_default().trim();
            let surgical: Code = cell(surgical_column).parse().map_err(|e| {
                LoadError::row(
                    path,
                    line,
                    format!("surgical_cpt {:?}: {e}", cell(surgical_column)),
                )
            })?;
            let anesthesia: Code = cell(anesthesia_column).parse().map_err(|e| {
                LoadError::row(
                    path,
                    line,
                    format!("anesthesia_code {:?}: {e}", cell(anesthesia_column)),
                )
            })?;
            if !anesthesia.is_anesthesia() {
                return Err(LoadError::row(
                    path,
                    line,
                    format!("anesthesia_code {anesthesia} is not in 00100-01999"),
                ));
            }
            let list = candidates.entry(surgical).or_default();
            if list.contains(&anesthesia) {
                return Err(LoadError::row(
                    path,
                    line,
                    format!("{surgical} → {anesthesia} appears twice"),
                ));
            }
            list.push(anesthesia);
            mapping_count += 1;
        }
        if mapping_count == 0 {
            return Err(LoadError::Empty {
                file: path.to_owned(),
            });
        }
        Ok(Crosswalk {
            file: path.to_owned(),
            candidates,
            mapping_count,
        })
    }

    /// The candidate anesthesia codes for a surgical code, preferred first; empty
    /// when the crosswalk does not map it.
    pub fn candidates(&self, surgical: Code) -> &[Code] {
        self.candidates.get(&surgical).map_or(&[], Vec::as_slice)
    }

    /// The file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// How many surgical codes it maps.
    pub fn surgical_code_count(&self) -> usize {
        self.candidates.len()
    }

    /// How many surgical → anesthesia pairs it holds.
    pub fn mapping_count(&self) -> usize {
        self.mapping_count
    }

    /// Every anesthesia code the crosswalk points to.
    pub fn anesthesia_codes(&self) -> impl Iterator<Item = Code> + '_ {
        self.candidates.values().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code {
        text.parse().expect("valid code")
    }

    #[test]
    fn keeps_candidates_in_file_order() {
        let text = "surgical_cpt,anesthesia_code,note\n19318,00402,reduction\n\
                    38746,00406,\n38746,00404,\n";
        let crosswalk = Crosswalk::from_reader(text.as_bytes(), Path::new("x.csv")).expect("ok");
        assert_eq!(crosswalk.candidates(code("19318")), &[code("00402")]);
        assert_eq!(
            crosswalk.candidates(code("38746")),
            &[code("00406"), code("00404")]
        );
        assert_eq!(crosswalk.candidates(code("99999")), &[] as &[Code]);
        assert_eq!(crosswalk.surgical_code_count(), 2);
        assert_eq!(crosswalk.mapping_count(), 3);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "anesthesia_code\n00402\n",
                "x.csv: no header row with columns surgical_cpt and anesthesia_code",
            ),
            (
                "surgical_cpt,anesthesia_code\n19318,0040\n",
                "x.csv:2: anesthesia_code \"0040\": a code has five characters, this one has 4",
            ),
            (
                "surgical_cpt,anesthesia_code\n19318,19318\n",
                "x.csv:2: anesthesia_code 19318 is not in 00100-01999",
            ),
            (
                "surgical_cpt,anesthesia_code\n19318,00402\n19318,00402\n",
                "x.csv:3: 19318 → 00402 appears twice",
            ),
            (
                "surgical_cpt,anesthesia_code\n",
                "x.csv: holds no data rows",
            ),
        ];
        for (text, expected) in cases {
            let error =
                Crosswalk::from_reader(text.as_bytes(), Path::new("x.csv")).expect_err(expected);
            assert_eq!(error.to_string(), expected);
        }
    }
}
