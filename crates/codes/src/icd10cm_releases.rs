//! The ICD-10-CM releases held, each with the dates of service it judges. A
//! fiscal year's release takes effect on 1 October; the CDC's April updates add
//! a few codes mid-year. anescode holds the April update of each fiscal year
//! (FY2025: April 1, 2025; FY2026: April 1, 2026) and applies it to the whole
//! fiscal year, so a code added in an April update is accepted from the October
//! before it.

use jiff::civil::Date;

use crate::icd10cm::Icd10Cm;

/// One release and the first date of service it applies to.
#[derive(Debug, Clone, Copy)]
pub struct Icd10CmRelease {
    /// The first date of service it judges (its fiscal year's 1 October).
    pub effective_from: Date,
    /// The code set.
    pub set: &'static Icd10Cm,
}

/// How the release for a date of service was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseChoice {
    /// The release in force on the date.
    InForce,
    /// The date is before the oldest release held; the oldest was applied.
    BeforeOldest,
    /// No valid date of service; the newest release was applied.
    NoDate,
}

/// The releases held, oldest first.
#[derive(Debug, Clone)]
pub struct Icd10CmReleases {
    releases: Vec<Icd10CmRelease>,
}

impl Icd10CmReleases {
    /// The embedded releases: FY2025 from 2024-10-01, FY2026 from 2025-10-01.
    pub fn embedded() -> Self {
        Self::new(vec![
            Icd10CmRelease {
                effective_from: jiff::civil::date(2024, 10, 1),
                set: Icd10Cm::embedded_fy2025(),
            },
            Icd10CmRelease {
                effective_from: jiff::civil::date(2025, 10, 1),
                set: Icd10Cm::embedded(),
            },
        ])
    }

    /// The given releases (at least one), in any order.
    pub fn new(mut releases: Vec<Icd10CmRelease>) -> Self {
        assert!(!releases.is_empty(), "at least one ICD-10-CM release");
        releases.sort_by_key(|r| r.effective_from);
        Icd10CmReleases { releases }
    }

    /// The release that judges `date`, and how it was chosen.
    pub fn for_date(&self, date: Option<Date>) -> (&Icd10CmRelease, ReleaseChoice) {
        let newest = self.newest();
        let Some(date) = date else {
            return (newest, ReleaseChoice::NoDate);
        };
        match self
            .releases
            .iter()
            .rev()
            .find(|r| r.effective_from <= date)
        {
            Some(release) => (release, ReleaseChoice::InForce),
            None => (&self.releases[0], ReleaseChoice::BeforeOldest),
        }
    }

    /// The newest release.
    pub fn newest(&self) -> &Icd10CmRelease {
        &self.releases[self.releases.len() - 1]
    }

    /// The oldest release.
    pub fn oldest(&self) -> &Icd10CmRelease {
        &self.releases[0]
    }

    /// Every release, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Icd10CmRelease> {
        self.releases.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_date_is_judged_by_its_fiscal_years_release() {
        let releases = Icd10CmReleases::embedded();
        let on = |y, m, d| {
            let (release, choice) = releases.for_date(Some(jiff::civil::date(y, m, d)));
            (release.set.release(), choice)
        };
        let fy2025 = "ICD-10-CM FY2025 April 1, 2025 update (CDC icd10cm-tabular-April-2025.xml)";
        let fy2026 = "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)";
        assert_eq!(on(2025, 9, 30), (fy2025, ReleaseChoice::InForce));
        assert_eq!(on(2024, 10, 1), (fy2025, ReleaseChoice::InForce));
        assert_eq!(on(2025, 10, 1), (fy2026, ReleaseChoice::InForce));
        assert_eq!(on(2024, 9, 30), (fy2025, ReleaseChoice::BeforeOldest));
        assert_eq!(releases.for_date(None).1, ReleaseChoice::NoDate);
        assert_eq!(releases.oldest().set.billable_count(), 74_260);
        assert_eq!(releases.newest().set.billable_count(), 74_719);
    }

    /// E11.A (type 2 diabetes in remission) is new in FY2026.
    #[test]
    fn codes_new_in_fy2026_are_not_in_fy2025() {
        assert!(Icd10Cm::embedded().lookup("E11.A").is_ok());
        assert!(Icd10Cm::embedded_fy2025().lookup("E11.A").is_err());
    }
}
