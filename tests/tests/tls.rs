//! TLS and mutual TLS with real handshakes: certificates are made at test time
//! and the server reads them from files, as it does in production.

use anescode_codes::Catalog;
use anescode_server::pb;
use anescode_server::pb::anesthesia_coding_client::AnesthesiaCodingClient;
use anescode_server::tls::TlsFiles;
use anescode_server::{Config, ServeOptions};
use anescode_tests::pki::TestPki;
use anescode_tests::{TestServer, coder, seed_00402, test_options};
use anescode_validation::PayerProfiles;
use clap::Parser;
use tonic::transport::Endpoint;

fn options(pki: &TestPki, client_ca: bool) -> ServeOptions {
    let tls = TlsFiles {
        cert: pki.path("server.pem"),
        key: pki.path("server.key"),
        client_ca: client_ca.then(|| pki.path("ca.pem")),
    }
    .load(None)
    .expect("the test certificates load");
    ServeOptions {
        tls: Some(tls),
        ..test_options()
    }
}

fn embedded_coder() -> anescode_validation::Coder {
    coder(Catalog::embedded(), PayerProfiles::embedded())
}

async fn code_over(
    server: &TestServer,
    tls: tonic::transport::ClientTlsConfig,
) -> Result<pb::CodingDecision, String> {
    let channel = Endpoint::from_shared(format!("https://{}", server.address))
        .expect("endpoint")
        .tls_config(tls)
        .expect("client TLS")
        .connect()
        .await
        .map_err(|e| format!("connect: {e}"))?;
    AnesthesiaCodingClient::new(channel)
        .code_case(pb::CodeCaseRequest {
            case_record: Some(seed_00402("TLS-1")),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner().decision.expect("a decision"))
        .map_err(|status| format!("call: {status}"))
}

#[tokio::test]
async fn tls_serves_a_client_that_trusts_the_ca_and_refuses_plaintext() {
    let pki = TestPki::new("tls");
    let server = TestServer::start_serving(
        embedded_coder(),
        options(&pki, false),
        Some(pki.client(None)),
    )
    .await;
    let decision = server.code(seed_00402("TLS-1")).await;
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);

    // A plaintext client gets no answer from a TLS port.
    let plaintext = Endpoint::from_shared(format!("http://{}", server.address))
        .expect("endpoint")
        .connect()
        .await;
    if let Ok(channel) = plaintext {
        let answer = AnesthesiaCodingClient::new(channel)
            .code_case(pb::CodeCaseRequest {
                case_record: Some(seed_00402("PLAIN-1")),
                ..Default::default()
            })
            .await;
        assert!(answer.is_err(), "plaintext was answered: {answer:?}");
    }
    server.stop().await.expect("clean stop");
    pki.remove();
}

#[tokio::test]
async fn mutual_tls_accepts_the_cas_client_and_refuses_others() {
    let pki = TestPki::new("mtls");
    let server = TestServer::start_serving(
        embedded_coder(),
        options(&pki, true),
        Some(pki.client(Some(&pki.client))),
    )
    .await;
    let decision = code_over(&server, pki.client(Some(&pki.client)))
        .await
        .expect("the CA's client is served");
    assert_eq!(decision.status(), pb::DecisionStatus::Coded);
    assert_eq!(decision.case_id, "TLS-1");

    let rogue = code_over(&server, pki.client(Some(&pki.rogue_client))).await;
    assert!(
        rogue.is_err(),
        "a certificate of another CA was served: {rogue:?}"
    );
    let anonymous = code_over(&server, pki.client(None)).await;
    assert!(
        anonymous.is_err(),
        "a client without a certificate was served: {anonymous:?}"
    );
    server.stop().await.expect("clean stop");
    pki.remove();
}

#[test]
fn tls_file_errors_name_the_file() {
    let pki = TestPki::new("files");
    std::fs::write(pki.path("junk.pem"), "not a certificate").expect("write");
    let missing = TlsFiles {
        cert: pki.path("absent.pem"),
        key: pki.path("server.key"),
        client_ca: None,
    }
    .load(None)
    .expect_err("missing file");
    assert!(
        missing
            .to_string()
            .starts_with(&format!("{}: ", pki.path("absent.pem").display())),
        "{missing}"
    );
    let junk = TlsFiles {
        cert: pki.path("junk.pem"),
        key: pki.path("server.key"),
        client_ca: None,
    }
    .load(None)
    .expect_err("no certificate");
    assert_eq!(
        junk.to_string(),
        format!(
            "{}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            pki.path("junk.pem").display()
        )
    );
    let bad_key = TlsFiles {
        cert: pki.path("server.pem"),
        key: pki.path("junk.pem"),
        client_ca: None,
    }
    .load(None)
    .expect_err("no key");
    assert!(
        bad_key.to_string().starts_with(&format!(
            "{}: holds no readable PEM private key",
            pki.path("junk.pem").display()
        )),
        "{bad_key}"
    );
    pki.remove();
}

#[test]
fn plaintext_is_refused_off_loopback_unless_allowed() {
    let parse = |args: &[&str]| {
        Config::try_parse_from(std::iter::once("anescode-server").chain(args.iter().copied()))
            .expect("valid arguments")
    };
    let open = parse(&["--listen", "0.0.0.0:50051"]).options();
    assert_eq!(
        open.expect_err("refused").to_string(),
        "refusing to serve plaintext on 0.0.0.0:50051, which is not a loopback address: give --tls-cert and --tls-key, or --allow-plaintext"
    );
    assert!(
        parse(&["--listen", "0.0.0.0:50051", "--allow-plaintext"])
            .options()
            .is_ok()
    );
    assert!(parse(&["--listen", "127.0.0.1:50051"]).options().is_ok());
    assert!(parse(&["--listen", "[::1]:50051"]).options().is_ok());
}
