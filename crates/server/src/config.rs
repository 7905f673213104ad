//! Start-up configuration: flags, each with an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anescode_codes::{BaseUnitSchedule, Catalog, Crosswalk, LoadError};
use anescode_validation::{Coder, PayerProfiles};
use jiff::civil::Date;

use crate::profiles_file;
use crate::serve::StartupError;

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

    /// Seconds in-flight calls get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "ANESCODE_DRAIN_TIMEOUT_SECS", default_value_t = 10)]
    pub drain_timeout_secs: u64,
}

impl Config {
    /// How long draining may take.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout_secs)
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
