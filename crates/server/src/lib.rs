//! The anescode gRPC service: generated anescode.v1 types, conversion at the
//! boundary, the coding and catalog services, health and reflection.

mod catalog_service;
mod coding_routes;
mod coding_service;
pub mod config;
mod convert;
mod error;
pub mod pb;
pub mod profiles_file;
mod readiness;
mod serve;

pub use config::Config;
pub use serve::{ServeError, StartupError, serve};
