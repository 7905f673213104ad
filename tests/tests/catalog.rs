//! CodeCatalog: look-ups, search with pages, catalog provenance, loaded files.

use anescode_codes::{BaseUnitSchedule, Catalog, Crosswalk};
use anescode_server::pb;
use anescode_tests::{TestServer, example_path};

#[tokio::test]
async fn get_code_reports_units_source_and_flags() {
    let server = TestServer::start().await;
    let mut client = server.catalog();
    let code = client
        .get_code(pb::GetCodeRequest {
            code: "01968".into(),
        })
        .await
        .expect("found")
        .into_inner()
        .code
        .expect("code");
    assert_eq!(
        code,
        pb::AnesthesiaCode {
            code: "01968".into(),
            description: "Cesarean delivery following neuraxial labor analgesia/anesthesia".into(),
            kind: pb::CodeKind::Anesthesia.into(),
            subsection: Some(pb::Subsection {
                number: 18,
                name: "Obstetric".into(),
                first_code: "01958".into(),
                last_code: "01969".into(),
            }),
            base_units: Some(2),
            base_unit_source: Some(pb::BaseUnitSource {
                schedule_id: "VA-RC-2018".into(),
                effective_date: "2018-01-01".into(),
                status: "VERIFIED".into(),
                evidence: "VA-RC-2018=2; AAPC-ALERT-2003=2; S2-same-publisher-untrusted=8(differs)"
                    .into(),
            }),
            add_on: true,
            primary_codes: vec!["01967".into()],
            time_units_apply: true,
            reflects_extreme_age: false,
            effective_from: String::new(),
            effective_to: String::new(),
            note: "add-on: its own time is reported separately from 01967".into(),
        }
    );
    let unpriced = client
        .get_code(pb::GetCodeRequest {
            code: "01937".into(),
        })
        .await
        .expect("found")
        .into_inner()
        .code
        .expect("code");
    assert_eq!(
        (unpriced.base_units, unpriced.base_unit_source),
        (None, None)
    );
    assert_eq!(unpriced.effective_from, "2022-01-01");

    let missing = client
        .get_code(pb::GetCodeRequest {
            code: "00230".into(),
        })
        .await
        .expect_err("not in catalog");
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let malformed = client
        .get_code(pb::GetCodeRequest { code: "402".into() })
        .await
        .expect_err("malformed");
    assert_eq!(malformed.code(), tonic::Code::InvalidArgument);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn search_pages_through_a_subsection() {
    let server = TestServer::start().await;
    let mut client = server.catalog();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = client
            .search_codes(pb::SearchCodesRequest {
                query: String::new(),
                subsection: 18,
                page_size: 4,
                page_token: token.clone(),
            })
            .await
            .expect("search")
            .into_inner();
        assert_eq!(page.total_matches, 10);
        seen.extend(page.codes.into_iter().map(|c| c.code));
        pages += 1;
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        [
            "01958", "01960", "01961", "01962", "01963", "01965", "01966", "01967", "01968",
            "01969"
        ]
    );

    let words = client
        .search_codes(pb::SearchCodesRequest {
            query: "radical breast".into(),
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    let codes: Vec<String> = words.codes.into_iter().map(|c| c.code).collect();
    assert_eq!(codes, ["00404", "00406"]);

    let unfiltered_token = token_of_first_page(&mut client).await;
    let foreign_token = client
        .search_codes(pb::SearchCodesRequest {
            query: "breast".into(),
            page_token: unfiltered_token,
            ..Default::default()
        })
        .await
        .expect_err("token of another search");
    assert_eq!(foreign_token.code(), tonic::Code::InvalidArgument);
    let bad_subsection = client
        .search_codes(pb::SearchCodesRequest {
            subsection: 20,
            ..Default::default()
        })
        .await
        .expect_err("no subsection 20");
    assert_eq!(bad_subsection.code(), tonic::Code::InvalidArgument);
    server.stop().await.expect("clean stop");
}

async fn token_of_first_page(
    client: &mut pb::code_catalog_client::CodeCatalogClient<tonic::transport::Channel>,
) -> String {
    client
        .search_codes(pb::SearchCodesRequest {
            page_size: 10,
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner()
        .next_page_token
}

#[tokio::test]
async fn catalog_info_names_the_embedded_default() {
    let server = TestServer::start().await;
    let info = server
        .catalog()
        .get_catalog_info(pb::GetCatalogInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    assert_eq!(
        info.catalog_version,
        "anescode-codes 0.1.0; base units VA-RC-2018 effective 2018-01-01 (embedded default)"
    );
    assert_eq!(info.code_count, 285);
    assert_eq!(info.active_anesthesia_code_count, 277);
    assert_eq!(info.priced_code_count, 269);
    assert_eq!(
        info.unpriced_codes,
        [
            "01937", "01938", "01939", "01940", "01941", "01942", "01995", "01996"
        ]
    );
    assert_eq!(info.qualifying_circumstance_code_count, 4);
    let schedule = info.base_unit_schedule.expect("schedule");
    assert_eq!(
        (
            schedule.id.as_str(),
            schedule.effective_date.as_str(),
            schedule.embedded_default,
            schedule.code_count
        ),
        ("VA-RC-2018", "2018-01-01", true, 269)
    );
    assert_eq!(info.crosswalk, Some(pb::Crosswalk::default()));
    assert_eq!(info.subsections.len(), 19);
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn loaded_cms_file_and_crosswalk_are_reported_and_applied() {
    let dir = std::env::temp_dir().join(format!("anescode-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cms = dir.join("cms-base-units.csv");
    std::fs::write(&cms, "2026 Anesthesia Base Units by CPT Code\nCPT Code,Description,Base Unit\n00402,Breast,6\n00406,Breast radical,13\n").expect("write");
    let schedule =
        BaseUnitSchedule::from_cms_file(&cms, jiff::civil::date(2026, 1, 1)).expect("loads");
    let crosswalk = Crosswalk::from_file(&example_path("crosswalk.csv")).expect("loads");
    let server =
        TestServer::start_with(Catalog::new(schedule, Some(crosswalk)).expect("catalog")).await;

    let info = server
        .catalog()
        .get_catalog_info(pb::GetCatalogInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    let schedule = info.base_unit_schedule.expect("schedule");
    assert_eq!(
        (
            schedule.id.as_str(),
            schedule.effective_date.as_str(),
            schedule.embedded_default
        ),
        ("CMS-FILE", "2026-01-01", false)
    );
    assert_eq!(schedule.file, cms.display().to_string());
    let crosswalk = info.crosswalk.expect("crosswalk");
    assert_eq!(
        (
            crosswalk.loaded,
            crosswalk.surgical_code_count,
            crosswalk.mapping_count
        ),
        (true, 8, 9)
    );
    assert!(
        info.catalog_version
            .contains("base units CMS-FILE effective 2026-01-01 (loaded from ")
    );

    let mut record = anescode_tests::seed_00402("CMS");
    record.procedures[0].anesthesia_code.clear();
    let decision = server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: Some(record),
            ..Default::default()
        })
        .await
        .expect("coded")
        .into_inner()
        .decision
        .expect("decision");
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);
    assert_eq!(decision.anesthesia_code, "00402");
    assert!(decision.rationale.contains(
        "with 6 base units (CMS-FILE effective 2026-01-01, OFFICIAL); it was found through the crosswalk from procedure 1's surgical code 19318."
    ), "{}", decision.rationale);

    let mut record = anescode_tests::seed_00402("TWO-CANDIDATES");
    record.procedures[0] = pb::Procedure {
        surgical_cpt: "11404".into(),
        ..Default::default()
    };
    record.diagnoses = vec!["D23.5".into()];
    let decision = server
        .coding()
        .code_case(pb::CodeCaseRequest {
            case_record: Some(record),
            ..Default::default()
        })
        .await
        .expect("coded")
        .into_inner()
        .decision
        .expect("decision");
    assert_eq!(decision.anesthesia_code, "00300");
    assert_eq!(decision.status(), pb::DecisionStatus::NeedsReview);
    let finding = &decision.findings[..];
    assert_eq!(finding.len(), 2, "{finding:?}");
    assert_eq!(finding[0].rule_id, "CROSSWALK_MULTIPLE_CANDIDATES");
    assert_eq!(
        finding[0].message,
        "the crosswalk maps 11404 to 00300 and also to 00400; 00300 was taken, confirm it against the record"
    );
    // 00300 is not priced by this two-row CMS file.
    assert_eq!(finding[1].rule_id, "ANESTHESIA_CODE_UNPRICED");
    server.stop().await.expect("clean stop");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn diagnoses_are_looked_up_and_searched() {
    let server = TestServer::start().await;
    let mut client = server.catalog();
    let diagnosis = client
        .get_diagnosis(pb::GetDiagnosisRequest {
            code: "c50911".into(),
            ..Default::default()
        })
        .await
        .expect("found")
        .into_inner()
        .diagnosis
        .expect("diagnosis");
    assert_eq!(
        diagnosis,
        pb::DiagnosisCode {
            code: "C50.911".into(),
            description: "Malignant neoplasm of unspecified site of right female breast".into(),
            billable: true,
            chapter: 2,
            chapter_title: "Neoplasms (C00-D49)".into(),
            block: "C50".into(),
            block_title: "Malignant neoplasms of breast (C50)".into(),
            parent: "C50.91".into(),
            children_count: 0,
            requires_seventh_character: false,
            manifestation: false,
            code_first: String::new(),
        }
    );
    let header = client
        .get_diagnosis(pb::GetDiagnosisRequest {
            code: "S72.001".into(),
            ..Default::default()
        })
        .await
        .expect("found")
        .into_inner()
        .diagnosis
        .expect("diagnosis");
    assert_eq!(
        (
            header.billable,
            header.requires_seventh_character,
            header.children_count
        ),
        (false, true, 16)
    );
    let missing = client
        .get_diagnosis(pb::GetDiagnosisRequest {
            code: "C50.9111".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown");
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let malformed = client
        .get_diagnosis(pb::GetDiagnosisRequest {
            code: "50.9".into(),
            ..Default::default()
        })
        .await
        .expect_err("malformed");
    assert_eq!(malformed.code(), tonic::Code::InvalidArgument);

    let page = client
        .search_diagnoses(pb::SearchDiagnosesRequest {
            query: "C50.91".into(),
            page_size: 2,
            page_token: String::new(),
            date_of_service: String::new(),
        })
        .await
        .expect("search")
        .into_inner();
    let codes: Vec<&str> = page.diagnoses.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["C50.91", "C50.911"]);
    assert_eq!(page.total_matches, 4);
    let rest = client
        .search_diagnoses(pb::SearchDiagnosesRequest {
            query: "C50.91".into(),
            page_size: 2,
            page_token: page.next_page_token,
            date_of_service: String::new(),
        })
        .await
        .expect("search")
        .into_inner();
    let codes: Vec<&str> = rest.diagnoses.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["C50.912", "C50.919"]);
    assert_eq!(rest.next_page_token, "");

    let words = client
        .search_diagnoses(pb::SearchDiagnosesRequest {
            query: "hypertrophy of breast".into(),
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    assert_eq!(
        words.diagnoses.first().map(|d| d.code.as_str()),
        Some("N62")
    );

    let info = client
        .get_catalog_info(pb::GetCatalogInfoRequest {})
        .await
        .expect("info")
        .into_inner();
    assert_eq!(
        info.icd10cm_release,
        "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)"
    );
    // The CDC code list of that release has 74,719 codes valid for submission;
    // tools/icd10cm/generate.py checks the embedded table against it.
    assert_eq!(
        (info.icd10cm_billable_count, info.icd10cm_code_count),
        (74_719, 98_186)
    );
    // Both releases held, oldest first; FY2025's CDC code list has 74,260.
    let releases: Vec<(&str, &str, u32, u32)> = info
        .icd10cm_releases
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.effective_from.as_str(),
                r.billable_count,
                r.code_count,
            )
        })
        .collect();
    assert_eq!(
        releases,
        [
            (
                "ICD-10-CM FY2025 April 1, 2025 update (CDC icd10cm-tabular-April-2025.xml)",
                "2024-10-01",
                74_260,
                97_584
            ),
            (
                "ICD-10-CM FY2026 April 1, 2026 update (CDC icd10c-tabular-April-1-2026.xml)",
                "2025-10-01",
                74_719,
                98_186
            ),
        ]
    );
    server.stop().await.expect("clean stop");
}

/// GetDiagnosis and SearchDiagnoses look codes up in the release in force on the
/// date of service they are given; E11.A is new in FY2026.
#[tokio::test]
async fn diagnosis_look_ups_take_a_date_of_service() {
    let server = TestServer::start().await;
    let mut client = server.catalog();
    let on = |date: &str| pb::GetDiagnosisRequest {
        code: "E11.A".into(),
        date_of_service: date.into(),
    };
    let found = client.get_diagnosis(on("")).await.expect("newest release");
    assert_eq!(found.into_inner().diagnosis.expect("code").code, "E11.A");
    assert!(client.get_diagnosis(on("2025-10-01")).await.is_ok());
    let status = client
        .get_diagnosis(on("2025-09-30"))
        .await
        .expect_err("not in FY2025");
    assert_eq!(status.code(), tonic::Code::NotFound);
    assert_eq!(
        status.message(),
        "E11.A is not an ICD-10-CM code in ICD-10-CM FY2025 April 1, 2025 update (CDC icd10cm-tabular-April-2025.xml)"
    );
    let status = client
        .get_diagnosis(on("30/09/2025"))
        .await
        .expect_err("bad date");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "date_of_service \"30/09/2025\" is not a date written YYYY-MM-DD"
    );
    let search = |date: &str| pb::SearchDiagnosesRequest {
        query: "E11.A".into(),
        date_of_service: date.into(),
        ..Default::default()
    };
    let newest = client.search_diagnoses(search("")).await.expect("search");
    assert_eq!(newest.into_inner().total_matches, 1);
    let fy2025 = client
        .search_diagnoses(search("2025-03-01"))
        .await
        .expect("search");
    assert_eq!(fy2025.into_inner().total_matches, 0);
    server.stop().await.expect("clean stop");
}
