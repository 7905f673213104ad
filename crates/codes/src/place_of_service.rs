//! CMS place-of-service codes (professional claims, CMS-1500 item 24B / 837P).
//! Public domain; list from the domain reference §6.1.

/// A place of service: its two-digit code, name, and whether the facility rate
/// applies to separately billed services there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceOfService {
    /// The two-digit code, e.g. "21".
    pub code: &'static str,
    /// The CMS name.
    pub name: &'static str,
    /// True where the facility rate applies.
    pub facility: bool,
}

const fn pos(code: &'static str, name: &'static str, facility: bool) -> PlaceOfService {
    PlaceOfService {
        code,
        name,
        facility,
    }
}

/// Every place-of-service code in use.
pub const PLACES_OF_SERVICE: &[PlaceOfService] = &[
    pos("01", "Pharmacy", false),
    pos(
        "02",
        "Telehealth provided other than in patient's home",
        true,
    ),
    pos("03", "School", false),
    pos("04", "Homeless shelter", false),
    pos("05", "Indian Health Service free-standing facility", false),
    pos("06", "Indian Health Service provider-based facility", false),
    pos("07", "Tribal 638 free-standing facility", false),
    pos("08", "Tribal 638 provider-based facility", false),
    pos("09", "Prison/correctional facility", false),
    pos("10", "Telehealth provided in patient's home", false),
    pos("11", "Office", false),
    pos("12", "Home", false),
    pos("13", "Assisted living facility", false),
    pos("14", "Group home", false),
    pos("15", "Mobile unit", false),
    pos("16", "Temporary lodging", false),
    pos("17", "Walk-in retail health clinic", false),
    pos("18", "Place of employment/worksite", false),
    pos("19", "Off campus-outpatient hospital", true),
    pos("20", "Urgent care facility", false),
    pos("21", "Inpatient hospital", true),
    pos("22", "On campus-outpatient hospital", true),
    pos("23", "Emergency room-hospital", true),
    pos("24", "Ambulatory surgical center", true),
    pos("25", "Birthing center", false),
    pos("26", "Military treatment facility", true),
    pos("27", "Outreach site/street", false),
    pos("31", "Skilled nursing facility", true),
    pos("32", "Nursing facility", false),
    pos("33", "Custodial care facility", false),
    pos("34", "Hospice", true),
    pos("41", "Ambulance-land", true),
    pos("42", "Ambulance-air or water", true),
    pos("49", "Independent clinic", false),
    pos("50", "Federally qualified health center", false),
    pos("51", "Inpatient psychiatric facility", true),
    pos("52", "Psychiatric facility-partial hospitalization", true),
    pos("53", "Community mental health center", true),
    pos(
        "54",
        "Intermediate care facility/individuals with intellectual disabilities",
        false,
    ),
    pos(
        "55",
        "Residential substance abuse treatment facility",
        false,
    ),
    pos("56", "Psychiatric residential treatment center", true),
    pos(
        "57",
        "Non-residential substance abuse treatment facility",
        false,
    ),
    pos("58", "Non-residential opioid treatment facility", false),
    pos("60", "Mass immunization center", false),
    pos(
        "61",
        "Comprehensive inpatient rehabilitation facility",
        true,
    ),
    pos(
        "62",
        "Comprehensive outpatient rehabilitation facility",
        false,
    ),
    pos("65", "End-stage renal disease treatment facility", false),
    pos(
        "66",
        "Programs of All-Inclusive Care for the Elderly (PACE) center",
        false,
    ),
    pos("71", "Public health clinic", false),
    pos("72", "Rural health clinic", false),
    pos("81", "Independent laboratory", false),
    pos("99", "Other place of service", false),
];

/// The place of service with this code.
pub fn lookup(code: &str) -> Option<&'static PlaceOfService> {
    // Sorted by code, every code two characters (a test holds it so): a binary
    // search on the two bytes as one number, without comparing strings.
    let wanted = two_bytes(code)?;
    PLACES_OF_SERVICE
        .binary_search_by_key(&wanted, |p| two_bytes(p.code).unwrap_or_default())
        .ok()
        .map(|at| &PLACES_OF_SERVICE[at])
}

/// A two-character code as one number that sorts as the code does.
fn two_bytes(code: &str) -> Option<u16> {
    match code.as_bytes() {
        &[first, second] => Some(u16::from_be_bytes([first, second])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_two_digit_and_sorted() {
        for pair in PLACES_OF_SERVICE.windows(2) {
            assert!(pair[0].code < pair[1].code);
        }
        assert!(PLACES_OF_SERVICE.iter().all(|p| p.code.len() == 2));
        assert_eq!(
            lookup("24").map(|p| p.name),
            Some("Ambulatory surgical center")
        );
        assert_eq!(lookup("30"), None);
    }
}
