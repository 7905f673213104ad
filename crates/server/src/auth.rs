//! Client tokens: `--auth-tokens FILE` names each client, the SHA-256 of its
//! token and optionally the facilities it may send and read. When configured,
//! every call but health needs `authorization: Bearer <token>`. A token is
//! compared by its hash, in constant time against every client, and never kept,
//! logged or echoed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tonic::Status;

/// Who is calling: the token's client, else the client certificate's subject
/// under mutual TLS, else nobody known. The name appears in logs (escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientIdentity {
    /// The client's name.
    pub(crate) name: Arc<str>,
    /// The facilities the client may send and read; `None` means all.
    facilities: Option<Arc<[String]>>,
}

impl ClientIdentity {
    /// A caller known only by its certificate subject, or not at all.
    pub(crate) fn unrestricted(name: &str) -> Self {
        ClientIdentity {
            name: name.into(),
            facilities: None,
        }
    }

    /// Whether the client may send or read records of `facility`.
    /// True when the client is not limited to some facilities.
    pub(crate) fn may_use_all(&self) -> bool {
        self.facilities.is_none()
    }

    pub(crate) fn may_use(&self, facility: &str) -> bool {
        self.facilities
            .as_ref()
            .is_none_or(|list| list.iter().any(|f| f == facility))
    }
}

/// Why the tokens file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
    /// A client entry is unusable.
    #[error("{}: client {index}: {message}", path.display())]
    Client {
        /// The file.
        path: PathBuf,
        /// The entry's position, from 1.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    client: Vec<ClientEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    name: String,
    token_sha256: String,
    facilities: Option<Vec<String>>,
}

/// The configured clients.
#[derive(Debug)]
pub struct Tokens {
    clients: Vec<([u8; 32], ClientIdentity)>,
}

impl Tokens {
    /// Reads the tokens file.
    pub fn from_file(path: &Path) -> Result<Self, TokensError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<Self, TokensError> {
        let file: TokensFile = toml::from_str(text).map_err(|e| TokensError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let mut clients = Vec::with_capacity(file.client.len());
        for (i, entry) in file.client.into_iter().enumerate() {
            let invalid = |message: String| TokensError::Client {
                path: path.to_owned(),
                index: i + 1,
                message,
            };
            if entry.name.trim().is_empty() {
                return Err(invalid("the name is empty".to_owned()));
            }
            let mut hash = [0u8; 32];
            hex::decode_to_slice(entry.token_sha256.trim(), &mut hash).map_err(|_| {
                invalid(format!(
                    "token_sha256 of {:?} is not 64 hexadecimal digits (the SHA-256 of the token)",
                    entry.name
                ))
            })?;
            if clients
                .iter()
                .any(|(_, c): &(_, ClientIdentity)| *c.name == *entry.name)
            {
                return Err(invalid(format!("{:?} is named twice", entry.name)));
            }
            clients.push((
                hash,
                ClientIdentity {
                    name: entry.name.into(),
                    facilities: entry.facilities.map(Into::into),
                },
            ));
        }
        if clients.is_empty() {
            return Err(TokensError::Parse {
                path: path.to_owned(),
                message: "no [[client]] is configured".to_owned(),
            });
        }
        Ok(Tokens { clients })
    }

    /// How many clients are configured.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Always false: a tokens file names at least one client.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// The client an `authorization` header value names, or UNAUTHENTICATED.
    pub(crate) fn authenticate(&self, header: Option<&[u8]>) -> Result<ClientIdentity, Status> {
        let refused = || {
            Status::unauthenticated(
                "a valid client token is required: send the metadata authorization: Bearer <token>",
            )
        };
        let token = header
            .and_then(|value| value.strip_prefix(b"Bearer "))
            .ok_or_else(refused)?;
        let hash: [u8; 32] = Sha256::digest(token).into();
        // Every client is compared, whatever matches, so timing tells nothing.
        let mut found = None;
        for (expected, client) in &self.clients {
            if bool::from(expected.ct_eq(&hash)) {
                found = Some(client);
            }
        }
        found.cloned().ok_or_else(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(token: &str) -> String {
        hex::encode(Sha256::digest(token.as_bytes()))
    }

    fn tokens() -> Tokens {
        let text = format!(
            "[[client]]\nname = \"charge-capture\"\ntoken_sha256 = \"{}\"\nfacilities = [\"MAIN\"]\n\n[[client]]\nname = \"billing\"\ntoken_sha256 = \"{}\"\n",
            sha("s3cret-one"),
            sha("s3cret-two")
        );
        Tokens::parse(&text, Path::new("tokens.toml")).expect("valid")
    }

    #[test]
    fn a_token_names_its_client_and_its_facilities() {
        let tokens = tokens();
        let client = tokens
            .authenticate(Some(b"Bearer s3cret-one"))
            .expect("known token");
        assert_eq!(&*client.name, "charge-capture");
        assert!(client.may_use("MAIN"));
        assert!(!client.may_use("EAST"));
        let other = tokens
            .authenticate(Some(b"Bearer s3cret-two"))
            .expect("known token");
        assert!(other.may_use("EAST"));
    }

    #[test]
    fn missing_wrong_and_malformed_tokens_are_unauthenticated() {
        let tokens = tokens();
        for header in [
            None,
            Some(&b"Bearer wrong"[..]),
            Some(b"s3cret-one"),
            Some(b"Basic s3cret-one"),
        ] {
            let status = tokens.authenticate(header).expect_err("refused");
            assert_eq!(status.code(), tonic::Code::Unauthenticated);
            assert!(!status.message().contains("s3cret"));
        }
    }

    #[test]
    fn file_errors_name_the_file_and_the_client() {
        let error = Tokens::parse(
            "[[client]]\nname = \"a\"\ntoken_sha256 = \"xyz\"\n",
            Path::new("t.toml"),
        )
        .expect_err("bad hash");
        assert_eq!(
            error.to_string(),
            "t.toml: client 1: token_sha256 of \"a\" is not 64 hexadecimal digits (the SHA-256 of the token)"
        );
    }
}
