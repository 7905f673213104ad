//! Measures what loading the embedded ICD-10-CM table costs: wall time and the
//! growth of resident memory (Linux /proc/self/status).
//!
//! cargo run --release -p anescode-codes --example icd10cm_load

use std::time::Instant;

use anescode_codes::icd10cm::Icd10Cm;

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let before = resident_kib();
    let start = Instant::now();
    let set = Icd10Cm::embedded();
    let elapsed = start.elapsed();
    let after = resident_kib();
    println!(
        "{}: {} codes, {} billable, loaded in {:.1} ms",
        set.release(),
        set.code_count(),
        set.billable_count(),
        elapsed.as_secs_f64() * 1000.0
    );
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "resident memory {before} KiB -> {after} KiB (+{:.1} MiB)",
            (after - before) as f64 / 1024.0
        );
    }
}
