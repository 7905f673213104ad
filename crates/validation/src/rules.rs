//! Every rule anescode applies, with its stable id, severity and source. One place:
//! findings take their id, severity and reference from here, and `docs/rules.md`
//! is checked against this table.

use crate::Severity;

macro_rules! rules {
    ($($variant:ident = $id:literal, $severity:ident, $reference:expr, $trigger:literal;)*) => {
        /// A rule of the rules catalog (`docs/rules.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Rule {
            $(#[doc = $trigger] $variant,)*
        }

        impl Rule {
            /// Every rule, in catalog order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable SCREAMING_SNAKE identifier.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)* }
            }

            /// How serious a finding of this rule is.
            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity,)* }
            }

            /// The source the rule rests on.
            pub fn reference(self) -> &'static str {
                match self { $(Rule::$variant => $reference,)* }
            }

            /// What triggers the rule, in one sentence.
            pub fn trigger(self) -> &'static str {
                match self { $(Rule::$variant => $trigger,)* }
            }
        }
    };
}

const CONTRACT: &str = "anescode API contract, proto/anescode/v1/case.proto";

rules! {
    RecordLimitExceeded = "RECORD_LIMIT_EXCEEDED", Error, "anescode API contract: record limits (README, Limits; crates/validation/src/limits.rs)",
        "A list or string of the record is over its documented limit; nothing else is checked or coded for the record.";
    FindingsTruncated = "FINDINGS_TRUNCATED", Info, "anescode API contract: at most 200 findings per decision (README, Limits)",
        "The record has more findings than a decision reports; the last finding counts those left out (the status counts them all).";
    EnumValueUnknown = "ENUM_VALUE_UNKNOWN", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "An enumerated field holds a number this version of anescode does not define.";
    CaseIdMissing = "CASE_ID_MISSING", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "The record has no case_id, so the decision cannot be matched to the case.";
    CaseIdInvalid = "CASE_ID_INVALID", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "The case_id is longer than 64 characters, or has spaces at its ends or control characters.";
    DateOfServiceMissing = "DATE_OF_SERVICE_MISSING", Error, "CMS-1500 item 24A / 837P DTP*472 (date of service required)",
        "The record has no date_of_service.";
    DateOfServiceInvalid = "DATE_OF_SERVICE_INVALID", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "The date_of_service is not a real calendar date written YYYY-MM-DD.";
    BirthDateMissing = "BIRTH_DATE_MISSING", Warning, "CMS Claims Processing Manual ch.12 §50 (age-based qualifying circumstance and code choices)",
        "The patient's birth date is not sent, so age-dependent rules cannot be applied.";
    BirthDateInvalid = "BIRTH_DATE_INVALID", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "The patient's birth date is not a real calendar date written YYYY-MM-DD.";
    BirthDateAfterService = "BIRTH_DATE_AFTER_SERVICE", Error, "anescode API contract, proto/anescode/v1/case.proto",
        "The patient's birth date is after the date of service.";
    BirthDateImplausible = "BIRTH_DATE_IMPLAUSIBLE", Error, "Medicare Code Editor age range 0-124 (domain reference §7.3)",
        "The patient would be older than 124 years on the date of service.";
    AnesthesiaTypeMissing = "ANESTHESIA_TYPE_MISSING", Warning, "CMS Claims Processing Manual ch.12 §50.K (QS for monitored anesthesia care)",
        "The anesthesia type is not sent, so whether monitored anesthesia care applies is unknown.";
    MacFlagWithoutMac = "MAC_FLAG_WITHOUT_MAC", Warning, "CMS Claims Processing Manual ch.12 §50.K (G8, G9 apply to monitored anesthesia care)",
        "mac_deep_complex or mac_severe_cardiopulmonary_history is set on a case that is not monitored anesthesia care.";
    TimeBlocksMissing = "TIME_BLOCKS_MISSING", Error, "42 CFR 414.46(a)(3); CMS Claims Processing Manual ch.12 §50.G",
        "The record has no anesthesia time blocks.";
    TimeBlockStartMissing = "TIME_BLOCK_START_MISSING", Error, "CMS Claims Processing Manual ch.12 §50.G",
        "A time block has no start.";
    TimeBlockEndMissing = "TIME_BLOCK_END_MISSING", Error, "CMS Claims Processing Manual ch.12 §50.G",
        "A time block has no end.";
    TimestampInvalid = "TIMESTAMP_INVALID", Error, "google.protobuf.Timestamp (nanos 0-999,999,999; years 0001-9999)",
        "A timestamp is outside the range a google.protobuf.Timestamp allows.";
    TimeBlockEndBeforeStart = "TIME_BLOCK_END_BEFORE_START", Error, "CMS Claims Processing Manual ch.12 §50.G",
        "A time block ends before it starts.";
    TimeBlockZeroLength = "TIME_BLOCK_ZERO_LENGTH", Warning, "CMS Claims Processing Manual ch.12 §50.G",
        "A time block ends at the moment it starts and adds no time.";
    TimeBlocksOverlap = "TIME_BLOCKS_OVERLAP", Error, "CMS Claims Processing Manual ch.12 §50.G (blocks around an interruption must not double-count)",
        "Two time blocks of the same list overlap, which would count the same minutes twice.";
    TimeBlockOutsideDateOfService = "TIME_BLOCK_OUTSIDE_DATE_OF_SERVICE", Warning, "CMS Claims Processing Manual ch.12 §50.G",
        "A time block starts more than 14 hours before or after the date of service (any time zone).";
    TimeBlockOver24Hours = "TIME_BLOCK_OVER_24_HOURS", Warning, "CMS Claims Processing Manual ch.12 §50.G",
        "A single time block lasts more than 24 hours.";
    ProceduresMissing = "PROCEDURES_MISSING", Error, CONTRACT,
        "The record has no procedures.";
    ProcedureCodeMissing = "PROCEDURE_CODE_MISSING", Error, CONTRACT,
        "A procedure has neither an anesthesia code nor a surgical CPT code.";
    AnesthesiaCodeInvalid = "ANESTHESIA_CODE_INVALID", Error, "CPT anesthesia section (00100-01999)",
        "An anesthesia code is not five digits in 00100-01999.";
    AnesthesiaCodeIsQualifyingCircumstance = "ANESTHESIA_CODE_IS_QUALIFYING_CIRCUMSTANCE", Error, "CMS Claims Processing Manual ch.12 §50; domain reference §1.10",
        "A qualifying-circumstance code (99100, 99116, 99135, 99140) is sent as a procedure's anesthesia code.";
    AnesthesiaCodeUnknown = "ANESTHESIA_CODE_UNKNOWN", Error, "CPT anesthesia section; anescode catalog (crates/codes/data)",
        "An anesthesia code in 00100-01999 is not a code of the catalog.";
    AnesthesiaCodeNotActive = "ANESTHESIA_CODE_NOT_ACTIVE", Error, "CPT annual code changes (anescode catalog effective dates)",
        "An anesthesia code is not valid on the date of service (deleted before it, or added after it).";
    AnesthesiaCodeUnpriced = "ANESTHESIA_CODE_UNPRICED", Warning, "CMS Claims Processing Manual ch.12 §50 (base units from the annual HCPCS file)",
        "The base-unit schedule in force has no value for the anesthesia code.";
    AnesthesiaCodeAgeMismatch = "ANESTHESIA_CODE_AGE_MISMATCH", Error, "CPT descriptors of 00326, 00561, 00834 (younger than 1 year) and 00836 (premature infant under 50 weeks' postconceptional age); domain reference §2",
        "An anesthesia code defined by the patient's age is on a patient outside that age.";
    DeliveryCodeWithLaborEpidural = "DELIVERY_CODE_WITH_LABOR_EPIDURAL", Error, "Highmark WV A-5 (domain reference §1.13): 01960, 01961 and 01962 are not reported with 01967",
        "01960, 01961 or 01962 is on a case with the labour epidural 01967.";
    SurgicalCptInvalid = "SURGICAL_CPT_INVALID", Error, "CPT/HCPCS code format (five characters)",
        "A surgical CPT code is not five digits or capital letters.";
    CrosswalkNotLoaded = "CROSSWALK_NOT_LOADED", Error, "ASA Crosswalk or the operator's mapping (loaded with --crosswalk-file)",
        "A procedure has only a surgical CPT code and no crosswalk is loaded to find its anesthesia code.";
    CrosswalkNoMatch = "CROSSWALK_NO_MATCH", Error, "ASA Crosswalk or the operator's mapping (loaded with --crosswalk-file)",
        "The loaded crosswalk does not map the procedure's surgical CPT code.";
    CrosswalkMultipleCandidates = "CROSSWALK_MULTIPLE_CANDIDATES", Warning, "ASA Crosswalk or the operator's mapping (loaded with --crosswalk-file)",
        "The crosswalk maps the surgical CPT code to several anesthesia codes; the first was taken.";
    AddOnWithoutPrimary = "ADD_ON_WITHOUT_PRIMARY", Error, "CPT add-on rules; domain reference §1.4 (01953 with 01952; 01968, 01969 with 01967)",
        "An add-on anesthesia code is on the record without its primary code.";
    MultipleProceduresHighestBase = "MULTIPLE_PROCEDURES_HIGHEST_BASE", Info, "Noridian anesthesia guide, multiple procedures (domain reference §1.4)",
        "Several procedures share one anesthetic: the code with the highest base units carries the case.";
    DiagnosesMissing = "DIAGNOSES_MISSING", Error, "CMS-1500 item 21 / 837P HI segment (a diagnosis is required)",
        "The record has no diagnosis.";
    Icd10CmReleaseNotHeld = "ICD10CM_RELEASE_NOT_HELD", Warning, "ICD-10-CM code sets by fiscal year (1 October); the releases anescode holds are listed by GetCatalogInfo",
        "The date of service is before the oldest ICD-10-CM release held, so the diagnoses were judged by that release.";
    DiagnosisInvalidFormat = "DIAGNOSIS_INVALID_FORMAT", Error, "ICD-10-CM Tabular List code structure (domain reference §7.1)",
        "A diagnosis is not shaped like an ICD-10-CM code (letter, digit, letter or digit, then up to four letters or digits; dot only after the third).";
    DiagnosisUnknown = "DIAGNOSIS_UNKNOWN", Error, "ICD-10-CM tabular list of the release in force on the date of service (CDC); Medicare Code Editor edit 1 (invalid diagnosis)",
        "A diagnosis has the shape of a code but is not a code of the ICD-10-CM release.";
    DiagnosisNotBillable = "DIAGNOSIS_NOT_BILLABLE", Error, "ICD-10-CM Official Guidelines I.B.2 (codes are reported to the highest number of characters available)",
        "A diagnosis is a category or subcategory header, not a billable code.";
    DiagnosisSeventhCharacterMissing = "DIAGNOSIS_SEVENTH_CHARACTER_MISSING", Error, "ICD-10-CM Official Guidelines I.B.2 and I.A.5 (7th characters and the placeholder X)",
        "A diagnosis lacks the 7th character its category requires.";
    DiagnosisDuplicate = "DIAGNOSIS_DUPLICATE", Warning, "Medicare Code Editor edit 3, duplicate diagnosis (domain reference §7.3)",
        "The same diagnosis appears twice on the record (with or without its dot).";
    DiagnosisExternalCausePrimary = "DIAGNOSIS_EXTERNAL_CAUSE_PRIMARY", Error, "Medicare Code Editor edit 2 (external cause as principal diagnosis); ICD-10-CM Official Guidelines I.C.20",
        "An external-cause code (V00-Y99, chapter 20) is listed first.";
    DiagnosisManifestationPrimary = "DIAGNOSIS_MANIFESTATION_PRIMARY", Error, "Medicare Code Editor edit 6; ICD-10-CM Official Guidelines I.A.13 (etiology/manifestation convention)",
        "A manifestation code ('in diseases classified elsewhere' in its own or its category's title) is listed first.";
    DiagnosisExcludes1 = "DIAGNOSIS_EXCLUDES1", Warning, "ICD-10-CM Official Guidelines I.A.12.a (Excludes1: never coded together)",
        "Two diagnoses on the record are in an Excludes1 relation in the tabular.";
    DiagnosisSexConflict = "DIAGNOSIS_SEX_CONFLICT", Warning, "Medicare Code Editor sex edit, derived from the classification: chapter 15 expects a female patient; blocks and categories of male or female genital and pelvic organs expect that sex",
        "A diagnosis of pregnancy (chapter 15) or of one sex's genital or pelvic organs is on a patient of the other sex.";
    DiagnosisAgeConflict = "DIAGNOSIS_AGE_CONFLICT", Warning, "Medicare Code Editor age edits (maternity 9-64; newborn; adult 15-124), derived from chapters 15 and 16",
        "A pregnancy code (chapter 15) is on a patient outside ages 9-64, or a perinatal code (chapter 16) is on a patient aged 15 or more.";
    DiagnosisDoesNotSupportProcedure = "DIAGNOSIS_DOES_NOT_SUPPORT_PROCEDURE", Warning, "anescode diagnosis-procedure support table (crates/codes/data/diagnosis_support.csv), by CPT anesthesia subsection",
        "No diagnosis on the record falls in the ICD-10-CM chapters and blocks that plausibly support the anesthesia code's subsection.";
    PhysicalStatusP6NotOrganProcurement = "PHYSICAL_STATUS_P6_NOT_ORGAN_PROCUREMENT", Warning, "ASA physical status P6 (declared brain-dead organ donor) with 01990 (domain reference §1.9)",
        "P6 is sent on a case whose anesthesia code is not 01990 (organ procurement).";
    PhysicalStatusMissing = "PHYSICAL_STATUS_MISSING", Warning, "CMS Claims Processing Manual ch.12 §50.K (P1-P6 modifiers)",
        "The ASA physical status is not sent, so no P1-P6 modifier can be reported.";
    ProvidersMissing = "PROVIDERS_MISSING", Error, "CMS Claims Processing Manual ch.12 §50, §140 (payment modifiers follow the providers)",
        "The record has no provider.";
    ProviderNpiMissing = "PROVIDER_NPI_MISSING", Error, "45 CFR 162.410 (NPI required on standard transactions)",
        "A provider has no NPI.";
    ProviderNpiInvalid = "PROVIDER_NPI_INVALID", Error, "CMS NPI check digit requirements (Luhn with prefix 80840; 69 FR 3434)",
        "A provider's NPI is not 10 digits starting with 1 or 2 with a valid check digit.";
    ProviderDuplicate = "PROVIDER_DUPLICATE", Error, CONTRACT,
        "The same NPI is listed for two providers.";
    ProviderRoleMissing = "PROVIDER_ROLE_MISSING", Error, "CMS Claims Processing Manual ch.12 §50, §140",
        "A provider has no role, so no payment modifier can be chosen.";
    ProviderTaxonomyInvalid = "PROVIDER_TAXONOMY_INVALID", Error, "NUCC Health Care Provider Taxonomy code set (ten characters ending in X)",
        "A provider's taxonomy code is not ten capital letters or digits ending in X.";
    ProviderTaxonomyNotAnesthesia = "PROVIDER_TAXONOMY_NOT_ANESTHESIA", Warning, "NUCC Health Care Provider Taxonomy code set (domain reference §6.2)",
        "An anesthesiologist, CRNA or anesthesiologist assistant has a taxonomy outside anesthesia.";
    ProviderTaxonomyRoleMismatch = "PROVIDER_TAXONOMY_ROLE_MISMATCH", Warning, "NUCC Health Care Provider Taxonomy code set (domain reference §6.2)",
        "A provider's anesthesia taxonomy describes another role than the one sent.";
    AncillaryCptMissing = "ANCILLARY_CPT_MISSING", Error, CONTRACT,
        "An ancillary procedure has no CPT code.";
    AncillaryCptInvalid = "ANCILLARY_CPT_INVALID", Error, "CPT/HCPCS code format (five characters)",
        "An ancillary procedure's CPT code is not five digits or capital letters.";
    AncillaryPerformerMissing = "ANCILLARY_PERFORMER_MISSING", Warning, "CMS Claims Processing Manual ch.12 §50 (separately payable services are billed by who performed them)",
        "An ancillary procedure does not say which provider performed it.";
    AncillaryPerformerNotOnCase = "ANCILLARY_PERFORMER_NOT_ON_CASE", Error, CONTRACT,
        "An ancillary procedure names an NPI that is not one of the case's providers.";
    PlaceOfServiceMissing = "PLACE_OF_SERVICE_MISSING", Warning, "CMS-1500 item 24B / 837P CLM05-1 (place of service required)",
        "The record has no place of service.";
    PlaceOfServiceTelehealth = "PLACE_OF_SERVICE_TELEHEALTH", Warning, "42 CFR 414.46(a)(3): anesthesia time is time the practitioner is present with the patient; CMS POS 02 and 10 are telehealth",
        "The place of service is a telehealth code (02, 10), where no anesthesia can be given.";
    PlaceOfServiceUnknown = "PLACE_OF_SERVICE_UNKNOWN", Error, "CMS Place of Service Code Set (domain reference §6.1)",
        "The place of service is not a CMS place-of-service code.";
    PayerProfileMissing = "PAYER_PROFILE_MISSING", Warning, CONTRACT,
        "The record names no payer profile; the medicare profile is applied.";
    PayerProfileUnknown = "PAYER_PROFILE_UNKNOWN", Error, "anescode payer profiles (embedded, or the operator's --payer-profiles file)",
        "The record names a payer profile that is not loaded, so units and money cannot be computed.";
    NoConversionFactor = "NO_CONVERSION_FACTOR", Info, "42 CFR 414.46(b)(1) (payment = units x conversion factor); the payer profile's factors",
        "The payer profile has no conversion factor for the date of service (and locality); units are coded and amounts left empty.";
    ProviderHandoff = "PROVIDER_HANDOFF", Info, "MAC guidance on anesthesia hand-offs (domain reference §1.2): bill under the longest time with the combined time",
        "Several providers of the same role took part; the one with the longest time bills the case's total time.";
    MedicalDirectionNotDocumented = "MEDICAL_DIRECTION_NOT_DOCUMENTED", Warning, "42 CFR 415.110; CMS Claims Processing Manual ch.12 §50.C (the seven medical-direction steps)",
        "An anesthesiologist and a CRNA both took part but medical direction is not documented; the lines are coded as medical direction for review.";
    AnesthesiologistAssistantNotDirected = "ANESTHESIOLOGIST_ASSISTANT_NOT_DIRECTED", Error, "CMS Claims Processing Manual ch.12 §140; NCCI Policy Manual ch. II (AA with medical direction only)",
        "An anesthesiologist assistant took part without documented medical direction by an anesthesiologist.";
    ConcurrencyMissing = "CONCURRENCY_MISSING", Warning, "CMS Claims Processing Manual ch.12 §50.C-D (QY for one, QK for 2-4, AD for more than 4)",
        "A directing anesthesiologist's concurrent_cases is not sent; one concurrent case (QY) is assumed.";
    ConcurrencyWithoutDirection = "CONCURRENCY_WITHOUT_DIRECTION", Warning, "CMS Claims Processing Manual ch.12 §50.B-C",
        "An anesthesiologist alone on the case reports several concurrent cases but directs no one on it.";
    ConcurrencyDisagrees = "CONCURRENCY_DISAGREES", Warning, "CMS Claims Processing Manual ch.12 §50 (concurrency is the most cases directed at once within the case; domain reference §1.16)",
        "The sender's concurrent_cases differs from the concurrency anescode computes from the cases in its ledger; the higher figure is billed.";
    DirectingMoreThanFour = "DIRECTING_MORE_THAN_FOUR", Warning, "42 CFR 414.46(d); CMS Claims Processing Manual ch.12 §50.C-D (domain reference §1.7, §1.16)",
        "The ledger shows the anesthesiologist directing more than four cases at once during this case: medical supervision (AD), not direction.";
    PersonallyPerformedOverlap = "PERSONALLY_PERFORMED_OVERLAP", Error, "CMS Claims Processing Manual ch.12 §50.B (personally performed: the entire service alone; domain reference §1.5)",
        "The ledger shows an anesthesiologist personally performing one case while on another case at the same minute.";
    AnesthetistOverlap = "ANESTHETIST_OVERLAP", Error, "42 CFR 414.46(a)(3) (anesthesia time is time the anesthetist is present); CMS Claims Processing Manual ch.12 §140 (domain reference §1.8)",
        "The ledger shows the same CRNA or anesthesiologist assistant on two cases at the same minute.";
    TraineeOverlap = "TRAINEE_OVERLAP", Warning, "CMS Claims Processing Manual ch.12 §50.B-C (teaching rules; domain reference §1.5, §1.6)",
        "The ledger shows the same resident or student nurse anesthetist on two cases at the same minute.";
    RevisionConflict = "REVISION_CONFLICT", Error, "anescode API contract: case_id and revision identify a record (proto/anescode/v1/case.proto)",
        "A record repeats the case_id and revision of a stored record with different content; the stored record and its decision stay.";
    RevisionSuperseded = "REVISION_SUPERSEDED", Error, "anescode API contract: a higher revision supersedes a lower one (proto/anescode/v1/case.proto)",
        "A record's revision is lower than the revision the ledger holds for its case_id; it is not coded.";
    ClosedDayReopened = "CLOSED_DAY_REOPENED", Warning, "anescode ledger: CloseDay marks a day's decisions final (README, The case ledger)",
        "A record arrived for a facility's date of service that was already closed; the day's decisions it touches are provisional again.";
    LedgerOverlapsOverLimit = "LEDGER_OVERLAPS_OVER_LIMIT", Warning, "anescode ledger: the work one record may cost is bounded (README, The case ledger)",
        "The record's providers have more overlapping cases in the ledger than the ledger weighs for one record; concurrency is computed from the nearest of them (a lower bound) and the others are not revised.";
    NoBillingProvider = "NO_BILLING_PROVIDER", Error, "CMS Claims Processing Manual ch.12 §50, §140 (residents and students do not bill)",
        "Only residents or student nurse anesthetists are on the case.";
    AddOnTimeMissing = "ADD_ON_TIME_MISSING", Error, "Obstetric add-on time is reported apart from 01967 (domain reference §1.4, §1.13)",
        "An obstetric add-on code (01968, 01969) has no time blocks of its own.";
    AddOnTimeOutsideCase = "ADD_ON_TIME_OUTSIDE_CASE", Warning, "CMS Claims Processing Manual ch.12 §50.G; obstetric add-on time is part of the case's anesthesia time and counted once (domain reference §1.2, §1.13)",
        "A block of an obstetric add-on's own time lies partly or wholly outside the case's anesthesia time.";
    ExtremeAgeInCode = "EXTREME_AGE_IN_CODE", Info, "AAPC 148907: no 99100 with a code whose descriptor reflects age (domain reference §1.10)",
        "The patient's age qualifies for 99100 but the anesthesia code already reflects it.";
    QualifyingCircumstanceNotPaid = "QUALIFYING_CIRCUMSTANCE_NOT_PAID", Info, "99100-99140 Medicare status B (domain reference §1.10); the payer profile's setting",
        "Qualifying circumstances apply but the payer profile pays no units for them (or does not report them).";
    IncludedInAnesthesia = "INCLUDED_IN_ANESTHESIA", Info, "42 CFR 414.46(a)(1); NCCI Policy Manual ch. II (the anesthesia care package)",
        "An ancillary procedure is part of the anesthesia care package (IV start, arterial puncture, TEE monitoring, routine airway, standard monitors) and is not billed.";
    CentralLineAgeMismatch = "CENTRAL_LINE_AGE_MISMATCH", Error, "CPT 36555 (under 5 years) and 36556 (5 years or older)",
        "A central venous catheter code does not match the patient's age.";
    UltrasoundGuidanceWithoutAccess = "ULTRASOUND_GUIDANCE_WITHOUT_ACCESS", Warning, "CPT 76937 add-on rules (domain reference §3)",
        "Ultrasound guidance 76937 is on a case without a vascular access code; it is not billed.";
    UltrasoundGuidanceNotDocumented = "ULTRASOUND_GUIDANCE_NOT_DOCUMENTED", Warning, "CPT 76937 documentation requirements (domain reference §3)",
        "Ultrasound guidance 76937 lacks documented guidance; it is not billed.";
    BlockIsPrimaryAnesthetic = "BLOCK_IS_PRIMARY_ANESTHETIC", Info, "NCCI Policy Manual ch. II (domain reference §3: post-operative pain blocks)",
        "A nerve block or epidural was the anesthetic for the surgery; it is paid through the anesthesia code.";
    BlockNotRequestedBySurgeon = "BLOCK_NOT_REQUESTED_BY_SURGEON", Warning, "NCCI Policy Manual ch. II; ASA statement on post-operative pain procedures (Oct 2025)",
        "A nerve block or epidural is billed apart only when the surgeon requested it for post-operative pain; the request is not documented.";
    AncillaryNotRecognized = "ANCILLARY_NOT_RECOGNIZED", Warning, "anescode billing rules (domain reference §3)",
        "An ancillary procedure has a code anescode has no billing rule for; it is not billed.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_screaming_snake() {
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            let id = rule.id();
            assert!(seen.insert(id), "{id} twice");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()),
                "{id}"
            );
            assert!(!rule.reference().is_empty() && !rule.trigger().is_empty());
        }
    }

    /// docs/rules.md is the catalog people read; every rule in code must be in it
    /// with its severity.
    #[test]
    fn rules_catalog_lists_every_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
        let catalog = std::fs::read_to_string(path).expect("docs/rules.md exists");
        for rule in Rule::ALL {
            let row = format!("| `{}` | {} |", rule.id(), rule.severity().as_str());
            assert!(
                catalog.contains(&row),
                "docs/rules.md lacks the row starting {row}"
            );
        }
        // The server's stream rules are in the catalog too; the server crate checks
        // that no row names a rule neither crate has.
    }
}
