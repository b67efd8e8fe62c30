//! Café Fintoc in Leptos 0.8 (CSR): the same shop as the Yew example, paying with
//! `fintoc_wasm::leptos::FintocCheckout`. It talks to the demo server (`examples/server`):
//! `GET /api/config`, `GET /api/products`, `POST /api/checkout` (through the shop's own session
//! function, which keeps the order id) and `GET /api/orders/{id}`, asked after `onSuccess`
//! (`shop_common::Confirmations`) until the **webhook** has decided the order. The page never
//! trusts `onSuccess` alone.

//!
//! The shop runs in the browser only: natively (workspace builds and tests) this binary is empty,
//! so Leptos's `csr` never meets the crate's native `ssr` tests.

#[cfg(target_arch = "wasm32")]
mod shop;

fn main() {
    #[cfg(target_arch = "wasm32")]
    shop::run();
}
