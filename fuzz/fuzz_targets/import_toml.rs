//! Journeys and tier ladders from TOML: the first byte picks journeys or tiers and the flags
//! (bit 1 dry run), the rest is the file.
#![no_main]

mod common;

use std::cell::RefCell;

use cxcockpit::import::kinds::Kind;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static HARNESS: RefCell<common::Harness> = RefCell::new(common::Harness::new());
}

fuzz_target!(|data: &[u8]| {
    let [selector, file @ ..] = data else {
        return;
    };
    let kind = if selector & 1 == 0 {
        Kind::Journeys
    } else {
        Kind::Tiers
    };
    HARNESS.with_borrow_mut(|h| h.run(kind, "input.toml", file, selector & 2 != 0, false));
});
