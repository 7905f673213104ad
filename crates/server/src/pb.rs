//! The generated anescode.v1 wire types, server and client, quarantined here. The
//! rest of the crate converts them to domain types at the boundary.

#[rustfmt::skip]
#[allow(
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    missing_docs,
    missing_debug_implementations,
    unreachable_pub
)]
mod generated {
    tonic::include_proto!("anescode.v1");
}

pub use generated::*;

/// The encoded file descriptor set of anescode.v1 and its imports, with source
/// comments; served by reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/anescode_v1_descriptor.bin"));

/// Fully-qualified name of the coding service.
pub const ANESTHESIA_CODING_SERVICE: &str = "anescode.v1.AnesthesiaCoding";
/// Fully-qualified name of the catalog service.
pub const CODE_CATALOG_SERVICE: &str = "anescode.v1.CodeCatalog";
/// Fully-qualified name of the case ledger service.
pub const CASE_LEDGER_SERVICE: &str = "anescode.v1.CaseLedger";

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    #[test]
    fn file_descriptor_set_is_valid() {
        let set = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).expect("decodes");
        let names: Vec<&str> = set.file.iter().map(|f| f.name()).collect();
        assert!(
            names.contains(&"google/protobuf/timestamp.proto"),
            "{names:?}"
        );
        assert!(
            names.contains(&"anescode/v1/coding_service.proto"),
            "{names:?}"
        );
        let services: Vec<String> = set
            .file
            .iter()
            .flat_map(|f| {
                f.service
                    .iter()
                    .map(move |s| format!("{}.{}", f.package(), s.name()))
            })
            .collect();
        // Files are compiled in name order: catalog_service.proto first.
        assert_eq!(
            services,
            [
                CODE_CATALOG_SERVICE,
                ANESTHESIA_CODING_SERVICE,
                CASE_LEDGER_SERVICE
            ]
        );
        let case = set
            .file
            .iter()
            .find(|f| f.name() == "anescode/v1/case.proto")
            .expect("case.proto");
        let documented = case.source_code_info.as_ref().is_some_and(|info| {
            info.location
                .iter()
                .any(|l| l.leading_comments().contains("idempotency key"))
        });
        assert!(documented, "field comments must reach reflection");
    }
}
