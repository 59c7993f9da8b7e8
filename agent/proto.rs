//! The generated `mig.v1` types and gRPC stubs, plus the file descriptor
//! set that server reflection serves.

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("mig.v1");
include!(concat!(env!("OUT_DIR"), "/mig.v1.serde.rs"));

/// Encoded `FileDescriptorSet` of `mig.proto`, for tonic-reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/mig_descriptor.bin"));
