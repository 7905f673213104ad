//! Start-up from configuration: the files named by flags are loaded, and a bad
//! file stops start-up with an error naming file and line.

use std::time::Duration;

use anescode_server::{Config, ServeError, ServeOptions, StartupError, serve};
use clap::Parser;
use tokio::net::TcpListener;

fn parse(args: &[&str]) -> Result<Config, clap::Error> {
    Config::try_parse_from(std::iter::once("anescode-server").chain(args.iter().copied()))
}

#[tokio::test]
async fn malformed_cms_file_stops_start_up_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("anescode-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cms = dir.join("cms.csv");
    std::fs::write(&cms, "CPT Code,Base Unit\n00100,5\n00102,six\n").expect("write");
    let cms_text = cms.display().to_string();
    let config = parse(&[
        "--base-units-file",
        &cms_text,
        "--base-units-effective",
        "2026-01-01",
    ])
    .expect("valid arguments");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let result = serve(
        listener,
        async move { config.load() },
        std::future::pending(),
        ServeOptions {
            drain_timeout: Duration::from_secs(1),
            ..ServeOptions::default()
        },
    )
    .await;
    let Err(ServeError::Startup(StartupError::Catalog(error))) = result else {
        panic!("expected a start-up error, got {result:?}");
    };
    assert_eq!(
        error.to_string(),
        format!("{cms_text}:3: base units \"six\" are not a whole number from 0 to 100")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cms_file_needs_its_effective_date() {
    let error = parse(&["--base-units-file", "cms.csv"]).expect_err("date required");
    assert_eq!(
        error.kind(),
        clap::error::ErrorKind::MissingRequiredArgument
    );
}

#[test]
fn defaults_serve_the_embedded_catalog_on_50051() {
    let config = parse(&[]).expect("defaults");
    assert_eq!(config.listen.to_string(), "127.0.0.1:50051");
    assert_eq!(config.drain_timeout(), Duration::from_secs(10));
    let catalog = config.load_catalog().expect("embedded catalog");
    assert_eq!(catalog.schedule().id(), "VA-RC-2018");
    assert!(catalog.crosswalk().is_none());
}

#[tokio::test]
async fn payer_profile_file_adds_a_priced_profile() {
    let file = anescode_tests::example_path("payer-profiles.toml");
    let file = file.display().to_string();
    let config = parse(&["--payer-profiles", &file]).expect("valid arguments");
    let server = anescode_tests::TestServer::start_with_coder(config.load().expect("loads")).await;
    let mut record = anescode_tests::seed_00402("ACME");
    record.payer = Some(anescode_server::pb::Payer {
        profile: "acme-ppo".into(),
        plan_id: String::new(),
        locality: "NYC".into(),
    });
    let decision = server.code(record).await;
    assert_eq!(decision.payer_profile, "acme-ppo");
    let line = &decision.lines[0];
    // 5 base + 6.3 time + 1 (P3) = 12.3 units x $95.00 = $1,168.50.
    assert_eq!(
        (line.total_units.as_str(), line.allowed_amount.as_str()),
        ("12.3", "1168.50")
    );
    let factor = decision
        .figures
        .iter()
        .find(|f| f.name == "conversion factor, locality NYC")
        .expect("the factor applied is reported");
    assert_eq!(
        (factor.value.as_str(), factor.effective_date.as_str()),
        ("95.0000", "2026-01-01")
    );
    server.stop().await.expect("clean stop");
}

#[tokio::test]
async fn malformed_payer_profile_file_stops_start_up() {
    let dir = std::env::temp_dir().join(format!("anescode-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("profiles.toml");
    std::fs::write(&path, "[profiles.x]\nbase = \"nope\"\n").expect("write");
    let text = path.display().to_string();
    let config = parse(&["--payer-profiles", &text]).expect("valid arguments");
    let Err(StartupError::Profiles(error)) = config.load() else {
        panic!("expected a profile error");
    };
    assert_eq!(
        error.to_string(),
        format!("{text}: profile \"x\": base profile \"nope\" is not defined")
    );
    std::fs::remove_dir_all(&dir).ok();
}
