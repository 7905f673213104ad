//! Starts the `anescode-server` binary on an ephemeral loopback port, JSON logs on
//! standard error, and reads the address it bound from its "listening" log line.
//! Shared by the tests and benchmarks that run the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};

/// A running server binary: the process, the address it listens on, and the rest
/// of its log.
pub(crate) struct Binary {
    pub(crate) child: Child,
    pub(crate) address: String,
    pub(crate) log: BufReader<ChildStderr>,
}

/// Starts the binary with `args` after `--listen 127.0.0.1:0 --log-format json`
/// (and `--store none` unless `args` name a store), and `RUST_LOG` set to
/// `rust_log` when given.
pub(crate) fn start(args: &[&str], rust_log: Option<&str>) -> Binary {
    let mut command = Command::new(env!("CARGO_BIN_EXE_anescode-server"));
    command
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(args)
        .stderr(Stdio::piped());
    if !args.contains(&"--store") {
        command.args(["--store", "none"]);
    }
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    let mut child = command.spawn().expect("start the server");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let address = loop {
        let mut line = String::new();
        assert!(
            log.read_line(&mut line).expect("read the log") > 0,
            "no listening line"
        );
        let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
        if event["fields"]["message"] == "listening" {
            break event["fields"]["address"]
                .as_str()
                .expect("address")
                .to_owned();
        }
    };
    Binary {
        child,
        address,
        log,
    }
}

/// A channel to the server at `address`, once its health reports `service` ("" for
/// the whole server) SERVING.
#[allow(dead_code)] // not every test crate that includes this file uses it
pub(crate) async fn serving(address: &str, service: &str) -> tonic::transport::Channel {
    use futures_util::StreamExt;
    use tonic_health::pb::health_check_response::ServingStatus;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone())
        .watch(tonic_health::pb::HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .expect("watch health")
        .into_inner();
    while health.next().await.expect("update").expect("status").status
        != ServingStatus::Serving as i32
    {}
    channel
}

/// A running server binary whose log is read and dropped by a thread, so it
/// never blocks on a full pipe.
#[allow(dead_code)] // not every test crate that includes this file uses it
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) address: String,
}

/// As [`start`], without `RUST_LOG`, the log drained.
#[allow(dead_code)] // not every test crate that includes this file uses it
pub(crate) fn start_draining(args: &[&str]) -> Running {
    let Binary {
        child,
        address,
        mut log,
    } = start(args, None);
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    Running { child, address }
}
