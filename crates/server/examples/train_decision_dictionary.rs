//! Trains the zstd dictionary the case ledger compresses stored decisions with
//! (`crates/server/src/ledger/packing.rs`), from the decision versions of a
//! ledger file. How the released dictionary was made, so it can be made again:
//!
//! ```sh
//! target/release/anescode-server --store /tmp/train.sqlite3 --listen 127.0.0.1:50074 &
//! target/release/anescode-loadgen --target 127.0.0.1:50074 --no-echo \
//!     --records 1000 --connections 1 --streams 4 --seed 7
//! kill %1
//! cargo run --release -p anescode-server --example train_decision_dictionary -- \
//!     /tmp/train.sqlite3 crates/server/data/decisions-2.zdict
//! ```
//!
//! A released dictionary never changes (stored versions name it by number): a
//! new one is a new file and a new number.

use std::collections::HashMap;

use rusqlite::Connection;

/// The dictionary's size: past 32 KiB the decisions compress no smaller.
const DICTIONARY_BYTES: usize = 32 * 1024;
/// Decisions sampled: zstd asks for about a hundred times the dictionary's size.
const SAMPLES: usize = 4000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ledger, out] = args.as_slice() else {
        return Err("usage: train_decision_dictionary LEDGER_FILE OUTPUT".into());
    };
    let connection = Connection::open(ledger)?;
    let mut dictionaries = HashMap::new();
    let has_dictionaries: bool = connection.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'dictionaries'",
        [],
        |r| r.get(0),
    )?;
    if has_dictionaries {
        let mut rows = connection.prepare("SELECT id, bytes FROM dictionaries")?;
        for row in rows.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
            let (id, bytes) = row?;
            dictionaries.insert(id, zstd::bulk::Decompressor::with_dictionary(&bytes)?);
        }
    }
    let column = if has_dictionaries {
        "dictionary"
    } else {
        "NULL"
    };
    // Every n-th version, so the sample spans the whole file.
    let total: i64 = connection.query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))?;
    let step = (total as usize / SAMPLES).max(1) as i64;
    let mut rows = connection.prepare(&format!(
        "SELECT decision, {column} FROM decisions WHERE sequence % ?1 = 0 ORDER BY sequence"
    ))?;
    let mut samples = Vec::new();
    for row in rows.query_map([step], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<i64>>(1)?))
    })? {
        let (bytes, dictionary) = row?;
        let decision = match dictionary {
            None => bytes,
            Some(id) => dictionaries
                .get_mut(&id)
                .ok_or("a version names a dictionary the file does not hold")?
                .decompress(&bytes, 1 << 24)?,
        };
        samples.push(decision);
    }
    let dictionary = zstd::dict::from_samples(&samples, DICTIONARY_BYTES)?;
    std::fs::write(out, &dictionary)?;
    println!(
        "{} bytes from {} decisions ({} bytes) of {ledger}",
        dictionary.len(),
        samples.len(),
        samples.iter().map(Vec::len).sum::<usize>()
    );
    Ok(())
}
