//! TLS and mutual TLS (rustls, through tonic): the certificate chain, its key and
//! the client CA are read and checked at start-up, each error naming its file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file holds no usable PEM item of the kind needed.
    #[error("{}: {what}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was expected and what is wrong.
        what: String,
    },
}

/// The files TLS is made from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM), leaf first.
    pub cert: PathBuf,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// CA certificates (PEM) that client certificates must chain to; when given,
    /// every client must present a certificate.
    pub client_ca: Option<PathBuf>,
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn certificates(path: &Path) -> Result<Vec<u8>, TlsError> {
    let pem = read(path)?;
    let mut count = 0;
    for item in CertificateDer::pem_slice_iter(&pem) {
        item.map_err(|e| TlsError::Pem {
            path: path.to_owned(),
            what: format!("not a readable PEM certificate: {e}"),
        })?;
        count += 1;
    }
    if count == 0 {
        return Err(TlsError::Pem {
            path: path.to_owned(),
            what: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        });
    }
    Ok(pem)
}

impl TlsFiles {
    /// Reads and checks the files into tonic's server TLS configuration.
    pub fn load(&self, handshake_timeout: Option<Duration>) -> Result<ServerTlsConfig, TlsError> {
        let cert = certificates(&self.cert)?;
        let key = read(&self.key)?;
        PrivateKeyDer::from_pem_slice(&key).map_err(|e| TlsError::Pem {
            path: self.key.clone(),
            what: format!("holds no readable PEM private key (PKCS#8, PKCS#1 or SEC1): {e}"),
        })?;
        let mut config = ServerTlsConfig::new().identity(Identity::from_pem(cert, key));
        if let Some(ca) = &self.client_ca {
            config = config.client_ca_root(Certificate::from_pem(certificates(ca)?));
        }
        if let Some(timeout) = handshake_timeout {
            config = config.timeout(timeout);
        }
        Ok(config)
    }
}
