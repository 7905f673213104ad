//! Certificates made at test time: a CA, a server certificate for localhost and
//! 127.0.0.1, a client certificate the CA signed, and one from a CA the server
//! does not trust. Written as PEM files, since the server reads files.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

/// PEM certificate and key.
#[derive(Debug, Clone)]
pub struct Pem {
    /// The certificate.
    pub cert: String,
    /// Its private key.
    pub key: String,
}

/// A throwaway public-key infrastructure in a directory of its own.
#[derive(Debug)]
pub struct TestPki {
    /// Where the files are.
    pub dir: PathBuf,
    /// The trusted CA.
    pub ca: Pem,
    /// The server's certificate, signed by the CA.
    pub server: Pem,
    /// A client certificate signed by the CA, subject CN=charge-capture.
    pub client: Pem,
    /// A client certificate signed by a CA the server does not trust.
    pub rogue_client: Pem,
}

fn make_ca(name: &str) -> (Pem, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().expect("CA key");
    let cert = params.self_signed(&key).expect("CA certificate");
    let pem = Pem {
        cert: cert.pem(),
        key: key.serialize_pem(),
    };
    (pem, Issuer::new(params, key))
}

fn leaf(common_name: &str, issuer: &Issuer<'_, KeyPair>) -> Pem {
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("leaf params");
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let key = KeyPair::generate().expect("leaf key");
    let cert = params.signed_by(&key, issuer).expect("leaf certificate");
    Pem {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

impl TestPki {
    /// Makes the certificates and writes them under a fresh directory named `tag`.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("anescode-pki-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("PKI directory");
        let (ca, issuer) = make_ca("anescode test CA");
        let (_, rogue_issuer) = make_ca("some other CA");
        let pki = TestPki {
            server: leaf("anescode test server", &issuer),
            client: leaf("charge-capture", &issuer),
            rogue_client: leaf("intruder", &rogue_issuer),
            ca,
            dir,
        };
        for (name, text) in [
            ("ca.pem", &pki.ca.cert),
            ("server.pem", &pki.server.cert),
            ("server.key", &pki.server.key),
        ] {
            std::fs::write(pki.dir.join(name), text).expect("write PEM");
        }
        pki
    }

    /// A file of the PKI directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A client configuration that trusts the CA, presenting `identity` if given.
    pub fn client(&self, identity: Option<&Pem>) -> ClientTlsConfig {
        let mut config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca.cert))
            .domain_name("localhost");
        if let Some(pem) = identity {
            config = config.identity(Identity::from_pem(&pem.cert, &pem.key));
        }
        config
    }

    /// Removes the files.
    pub fn remove(&self) {
        remove(&self.dir);
    }
}

fn remove(dir: &Path) {
    std::fs::remove_dir_all(dir).ok();
}
