//! Coding one typical case: 00406 under medical direction (QK + QX), five
//! diagnoses, an arterial line, on the Medicare profile.

use std::hint::black_box;
use std::sync::Arc;

use anescode_codes::Catalog;
use anescode_validation::{
    AncillaryProcedure, AnesthesiaType, CaseRecord, Coder, Enumerated, Patient, Payer,
    PayerProfiles, PhysicalStatus, Procedure, Provider, ProviderRole, RawTimestamp, Sex, TimeBlock,
};
use criterion::{Criterion, criterion_group, criterion_main};

/// The server's allocator (`crates/server/src/main.rs`), so the engine is
/// measured as the server runs it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn typical_case() -> CaseRecord {
    // 2026-03-03T13:10:00Z to 17:25:00Z.
    let start = 1_772_543_400;
    CaseRecord {
        case_id: "BENCH-00406".to_owned(),
        revision: 1,
        facility_id: "MAIN-OR".to_owned(),
        date_of_service: "2026-03-03".to_owned(),
        patient: Some(Patient {
            birth_date: "1967-09-20".to_owned(),
            sex: Enumerated::Known(Sex::Female),
        }),
        anesthesia_type: Enumerated::Known(AnesthesiaType::General),
        time_blocks: vec![TimeBlock {
            start: Some(RawTimestamp {
                seconds: start,
                nanos: 0,
            }),
            end: Some(RawTimestamp {
                seconds: start + 255 * 60,
                nanos: 0,
            }),
        }],
        procedures: vec![Procedure {
            surgical_cpt: "19306".to_owned(),
            anesthesia_code: "00406".to_owned(),
            description: "Radical mastectomy with internal mammary node dissection".to_owned(),
            time_blocks: Vec::new(),
        }],
        diagnoses: ["C50.911", "Z80.3", "I10", "E66.9", "J45.909"]
            .map(String::from)
            .to_vec(),
        physical_status: Enumerated::Known(PhysicalStatus::P3),
        providers: vec![
            Provider {
                npi: "1987654328".to_owned(),
                role: Enumerated::Known(ProviderRole::Anesthesiologist),
                taxonomy: "207L00000X".to_owned(),
                concurrent_cases: 2,
                medical_direction_documented: true,
                present_at_induction: true,
                time_blocks: Vec::new(),
            },
            Provider {
                npi: "1456789019".to_owned(),
                role: Enumerated::Known(ProviderRole::Crna),
                taxonomy: "367500000X".to_owned(),
                ..Default::default()
            },
        ],
        ancillary_procedures: vec![AncillaryProcedure {
            cpt: "36620".to_owned(),
            performed_by_npi: "1987654328".to_owned(),
            ..Default::default()
        }],
        place_of_service: "21".to_owned(),
        payer: Some(Payer {
            profile: "medicare".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn code_case(c: &mut Criterion) {
    let coder = Coder::new(
        Arc::new(Catalog::embedded()),
        Arc::new(PayerProfiles::embedded()),
    );
    let record = typical_case();
    let decision = coder.code(&record);
    assert_eq!(decision.lines.len(), 3, "{:?}", decision.findings);
    assert!(decision.findings.is_empty(), "{:?}", decision.findings);
    c.bench_function("code typical case (00406 QK+QX, arterial line)", |b| {
        b.iter(|| coder.code(black_box(&record)))
    });
    c.bench_function("code typical case, lean (no rationale or figures)", |b| {
        b.iter(|| coder.code_lean(black_box(&record)))
    });
}

criterion_group!(benches, code_case);
criterion_main!(benches);
