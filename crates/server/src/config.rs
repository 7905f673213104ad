//! Start-up configuration: flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anescode_codes::{BaseUnitSchedule, Catalog, Crosswalk, LoadError};
use anescode_validation::{Coder, PayerProfiles};
use jiff::civil::Date;

use crate::auth::{Tokens, TokensError};
use crate::ledger::StoreChoice;
use crate::logging::LogFormat;
use crate::profiles_file;
use crate::serve::{ServeOptions, StartupError};
use crate::tls::{TlsError, TlsFiles};
use crate::transport::{self, TransportLimits};

/// anescode: codes anesthesia cases over gRPC and explains every decision.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "anescode-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "ANESCODE_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,

    /// The CMS "Anesthesia Base Units by CPT Code" file, saved as CSV. Replaces the
    /// embedded 2018 VA schedule. A malformed row stops start-up with its file
    /// and line.
    #[arg(
        long,
        env = "ANESCODE_BASE_UNITS_FILE",
        requires = "base_units_effective"
    )]
    pub base_units_file: Option<PathBuf>,

    /// The date from which the CMS file's values apply (YYYY-MM-DD), reported
    /// with every decision.
    #[arg(
        long,
        env = "ANESCODE_BASE_UNITS_EFFECTIVE",
        requires = "base_units_file"
    )]
    pub base_units_effective: Option<Date>,

    /// A surgical-CPT → anesthesia-code crosswalk CSV with columns surgical_cpt and
    /// anesthesia_code (the licensed ASA crosswalk or the hospital's own mapping).
    #[arg(long, env = "ANESCODE_CROSSWALK_FILE")]
    pub crosswalk_file: Option<PathBuf>,

    /// A TOML file of payer profiles that adds profiles and overrides the embedded
    /// medicare and commercial-asa (conversion factors per locality and date,
    /// time-unit rule, paid units, split percentages).
    #[arg(long, env = "ANESCODE_PAYER_PROFILES")]
    pub payer_profiles: Option<PathBuf>,

    /// Seconds in-flight calls get to finish after SIGTERM or SIGINT; a hard bound
    /// on the exit, whatever is still in flight.
    #[arg(long, env = "ANESCODE_DRAIN_TIMEOUT_SECS", default_value_t = transport::DEFAULT_DRAIN_TIMEOUT_SECS)]
    pub drain_timeout_secs: u64,

    /// The server's certificate chain (PEM), leaf first; with --tls-key, serves TLS.
    #[arg(long, env = "ANESCODE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "ANESCODE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// CA certificates (PEM) client certificates must chain to: mutual TLS, every
    /// client must present a certificate.
    #[arg(long, env = "ANESCODE_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,

    /// Serve plaintext on an address that is not loopback (refused otherwise).
    #[arg(long, env = "ANESCODE_ALLOW_PLAINTEXT")]
    pub allow_plaintext: bool,

    /// A TOML file of client tokens ([[client]] name, token_sha256, optional
    /// facilities); when given, every call but health needs authorization: Bearer <token>.
    #[arg(long, env = "ANESCODE_AUTH_TOKENS")]
    pub auth_tokens: Option<PathBuf>,

    /// Whether the gRPC reflection services answer (they follow the tokens when
    /// tokens are configured).
    #[arg(long, env = "ANESCODE_REFLECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub reflection: bool,

    /// Log line format.
    #[arg(long, env = "ANESCODE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Address of the Prometheus metrics endpoint (off unless given).
    #[arg(long, env = "ANESCODE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// The case ledger: an SQLite file (created owner-only on first start; it holds
    /// patient data), `memory` for a throwaway one, or `none` to decide every
    /// record alone and keep nothing.
    #[arg(long, env = "ANESCODE_STORE", default_value = DEFAULT_STORE)]
    pub store: StoreChoice,

    /// Transport limits.
    #[command(flatten)]
    pub limits: TransportLimits,
}

/// The ledger file when --store names none, relative to the working directory
/// (`anescode-data/` is in .gitignore).
pub const DEFAULT_STORE: &str = "anescode-data/ledger.sqlite3";

/// Why the configuration cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Plaintext on a non-loopback address without --allow-plaintext.
    #[error(
        "refusing to serve plaintext on {0}, which is not a loopback address: give --tls-cert and --tls-key, or --allow-plaintext"
    )]
    Plaintext(SocketAddr),
    /// The TLS files are not usable.
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    /// The tokens file is not usable.
    #[error("client tokens: {0}")]
    Tokens(#[from] TokensError),
}

impl Config {
    /// How long draining may take.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout_secs)
    }

    /// The serving options: limits, TLS (files read and checked now), tokens.
    pub fn options(&self) -> Result<ServeOptions, ConfigError> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(
                TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    client_ca: self.tls_client_ca.clone(),
                }
                .load(transport::seconds(self.limits.tls_handshake_timeout_secs))?,
            ),
            _ => None,
        };
        if tls.is_none() && !self.listen.ip().is_loopback() && !self.allow_plaintext {
            return Err(ConfigError::Plaintext(self.listen));
        }
        let tokens = self
            .auth_tokens
            .as_deref()
            .map(Tokens::from_file)
            .transpose()?;
        Ok(ServeOptions {
            drain_timeout: self.drain_timeout(),
            limits: self.limits.clone(),
            tls,
            tokens,
            reflection: self.reflection,
            store: self.store.clone(),
        })
    }

    /// Loads the catalog this configuration asks for: the files it names, or the
    /// embedded data (with a warning, since it is not the CMS file).
    pub fn load_catalog(&self) -> Result<Catalog, LoadError> {
        let schedule = match (&self.base_units_file, self.base_units_effective) {
            (Some(path), Some(effective)) => BaseUnitSchedule::from_cms_file(path, effective)?,
            _ => {
                let schedule = BaseUnitSchedule::embedded();
                tracing::warn!(
                    schedule = schedule.id(),
                    effective = %schedule.effective(),
                    "running on the embedded base units, a 2018 VA schedule, not the CMS file; \
                     load the CMS file with --base-units-file"
                );
                schedule
            }
        };
        let crosswalk = self
            .crosswalk_file
            .as_deref()
            .map(Crosswalk::from_file)
            .transpose()?;
        Catalog::new(schedule, crosswalk)
    }

    /// Loads the payer profiles: the embedded ones, with the operator's file over
    /// them when one is named.
    pub fn load_profiles(&self) -> Result<PayerProfiles, profiles_file::ProfilesError> {
        match &self.payer_profiles {
            Some(path) => profiles_file::load(path),
            None => Ok(PayerProfiles::embedded()),
        }
    }

    /// Loads everything the coder needs.
    pub fn load(&self) -> Result<Coder, StartupError> {
        let catalog = self.load_catalog()?;
        let profiles = self.load_profiles()?;
        Ok(Coder::new(Arc::new(catalog), Arc::new(profiles)))
    }
}
