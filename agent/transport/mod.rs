//! Listeners and channels: the in-process channel the local `mig` uses, and
//! (later) the mutual-TLS listener of `mig-agent`.

pub mod local;
