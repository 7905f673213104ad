//! Compiles proto/anescode/v1 with protox (no system protoc) and generates the
//! tonic service and client. Writes only to OUT_DIR.

use std::error::Error;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    let proto_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let package_dir = proto_root.join("anescode/v1");
    // tonic-prost-build 0.14 does not emit this for compile_fds.
    println!("cargo:rerun-if-changed={}", proto_root.display());

    let mut files: Vec<PathBuf> = std::fs::read_dir(&package_dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "proto"));
    files.sort();
    let relative: Vec<PathBuf> = files
        .iter()
        .map(|path| path.strip_prefix(&proto_root).map(Path::to_path_buf))
        .collect::<Result<_, _>>()?;

    let mut compiler = protox::Compiler::new([&proto_root])?;
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(&relative)?;

    // The full set, imports and comments included, serves reflection so grpcurl can
    // describe every message (google.protobuf.Timestamp too) and show the docs.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("anescode_v1_descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;

    // Well-known types map to prost-types (prost-build's default extern path).
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Undecodable requests are INVALID_ARGUMENT, not prost's INTERNAL.
        .codec_path("crate::codec::StrictCodec")
        .compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
