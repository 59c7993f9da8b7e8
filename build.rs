//! Compiles `proto/mig/v1/mig.proto` with a pure-Rust protobuf compiler
//! (protox), so a fresh machine needs nothing but cargo: no system `protoc`.
//! Also writes the file descriptor set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/mig/v1/mig.proto";
    println!("cargo:rerun-if-changed={proto}");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let descriptors = protox::compile([proto], ["proto"])?;
    std::fs::write(
        out.join("mig_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    // Proto3 JSON mapping (serde) for `--json` output, the same shape
    // grpcurl prints.
    pbjson_build::Builder::new()
        .register_descriptors(&std::fs::read(out.join("mig_descriptor.bin"))?)?
        .build(&[".mig.v1"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(descriptors)?;
    Ok(())
}
