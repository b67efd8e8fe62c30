//! One name for the browser target: `cfg(fintoc_web)` is set when compiling for
//! `wasm32-unknown-unknown` (the target whose `window` and `fetch` the crate uses), so `src/` says
//! `#[cfg(fintoc_web)]` instead of repeating `all(target_arch = "wasm32", target_os = "unknown")`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch == "wasm32" && os == "unknown" {
        println!("cargo:rustc-cfg=fintoc_web");
    }
}
