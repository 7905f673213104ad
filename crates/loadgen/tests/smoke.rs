//! A short run of the load generator against a real server and its echo: every
//! record gets exactly one answer, in order (the loadgen exits non-zero
//! otherwise). No timing is asserted.

use std::process::Command;
use std::sync::Arc;

use anescode_server::{ServeOptions, serve};
use anescode_validation::{Coder, PayerProfiles};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_gets_exactly_one_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        async {
            Ok(Coder::new(
                Arc::new(anescode_codes::Catalog::embedded()),
                Arc::new(PayerProfiles::embedded()),
            ))
        },
        async {
            let _ = stopped.await;
        },
        ServeOptions::default(),
    ));
    let csv = tempfile::NamedTempFile::new().expect("a temporary file");
    let loadgen = tokio::task::spawn_blocking({
        let csv = csv.path().to_owned();
        move || {
            Command::new(env!("CARGO_BIN_EXE_anescode-loadgen"))
                .args(["--target", &address.to_string()])
                .args(["--connections", "2", "--streams", "2", "--window", "16"])
                .args([
                    "--records",
                    "300",
                    "--malformed-every",
                    "7",
                    "--view",
                    "lean",
                ])
                .arg("--csv")
                .arg(&csv)
                .output()
                .expect("run the loadgen")
        }
    })
    .await
    .expect("loadgen task");
    let _ = stop.send(());
    let _ = server.await;
    assert!(
        loadgen.status.success(),
        "{}",
        String::from_utf8_lossy(&loadgen.stderr)
    );
    let rows = std::fs::read_to_string(csv.path()).expect("the CSV");
    let answers: Vec<(&str, &str, &str)> = rows
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[0], fields[2], fields[7])
        })
        .collect();
    assert_eq!(answers, [("anescode", "1200", "0"), ("echo", "1200", "0")]);
}
