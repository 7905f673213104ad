//! The anescode gRPC service: generated anescode.v1 types, conversion at the
//! boundary, the coding and catalog services, health and reflection.

pub mod auth;
mod calls;
mod catalog_service;
mod codec;
mod coding_routes;
mod coding_service;
pub mod config;
mod convert;
mod decision_wire;
mod error;
mod figure_sets;
mod incoming;
pub mod ledger;
mod ledger_answers;
mod ledger_service;
pub mod logging;
mod outgoing;
pub mod pb;
pub mod profiles_file;
mod readiness;
mod record_wire;
mod serve;
pub mod stream_rules;
pub mod telemetry;
pub mod tls;
pub mod transport;
mod views;
mod wire_limits;

pub use config::Config;
pub use serve::{ServeError, ServeOptions, StartupError, serve};
