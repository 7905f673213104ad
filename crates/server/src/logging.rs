//! Logs that are safe to keep: text or JSON, colour only on a terminal, every
//! client-supplied string escaped and cut, and warnings about hostile traffic
//! rate-limited so an attack cannot flood the log. No patient data is logged at
//! any level: case ids, statuses, counts, peers and client names only.

use std::fmt;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

/// The most characters of a client-supplied string a log line carries.
pub const LOGGED_CHARS: usize = 64;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

/// Installs the global subscriber: `RUST_LOG` filter (default `info`), written to
/// standard error, with ANSI colour only when standard error is a terminal.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}

/// A client-supplied string as a log line may carry it: control characters,
/// quotes and non-ASCII escaped, at most [`LOGGED_CHARS`] characters, marked when cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clipped<'a>(pub(crate) &'a str);

impl fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(LOGGED_CHARS) {
            if c.is_ascii_graphic() || c == ' ' {
                f.write_fmt(format_args!("{c}"))?;
            } else {
                f.write_fmt(format_args!("{}", c.escape_default()))?;
            }
        }
        if chars.next().is_some() {
            f.write_fmt(format_args!("…({} bytes)", self.0.len()))?;
        }
        Ok(())
    }
}

/// Allows at most `per_window` events a second; counts the rest.
#[derive(Debug)]
pub(crate) struct RateLimit {
    per_window: u32,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    allowed: u32,
    suppressed: u64,
}

const WINDOW: Duration = Duration::from_secs(1);

impl RateLimit {
    pub(crate) fn per_second(per_window: u32) -> Self {
        RateLimit {
            per_window,
            state: Mutex::new(Window {
                started: Instant::now(),
                allowed: 0,
                suppressed: 0,
            }),
        }
    }

    /// `Some(n)` when this event may be logged, `n` being how many were
    /// suppressed since the last one logged; `None` when it must be suppressed.
    pub(crate) fn allow(&self) -> Option<u64> {
        let mut window = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if window.started.elapsed() >= WINDOW {
            window.started = Instant::now();
            window.allowed = 0;
        }
        if window.allowed < self.per_window {
            window.allowed += 1;
            Some(std::mem::take(&mut window.suppressed))
        } else {
            window.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_strings_are_escaped_and_cut() {
        assert_eq!(Clipped("EX-1").to_string(), "EX-1");
        assert_eq!(
            Clipped("a\nINFO forged\u{1b}[31m").to_string(),
            "a\\nINFO forged\\u{1b}[31m"
        );
        let long = "x".repeat(1_000_000);
        assert_eq!(
            Clipped(&long).to_string(),
            format!("{}…(1000000 bytes)", "x".repeat(LOGGED_CHARS))
        );
    }

    #[test]
    fn the_rate_limit_counts_what_it_suppresses() {
        let limit = RateLimit::per_second(2);
        assert_eq!(limit.allow(), Some(0));
        assert_eq!(limit.allow(), Some(0));
        assert_eq!(limit.allow(), None);
        assert_eq!(limit.allow(), None);
    }
}
