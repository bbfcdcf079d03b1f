//! The CSV import of every kind, from reading through validation to the upsert: the first byte
//! picks the kind, the second the flags (bit 0 dry run, bit 1 --day-first), the rest is the file.
#![no_main]

mod common;

use std::cell::RefCell;

use cxcockpit::import::kinds::Kind;
use libfuzzer_sys::fuzz_target;

const KINDS: [Kind; 10] = [
    Kind::Accounts,
    Kind::Subscriptions,
    Kind::ChurnEvents,
    Kind::Tickets,
    Kind::Surveys,
    Kind::MetricValues,
    Kind::Tiers,
    Kind::Invoices,
    Kind::Usage,
    Kind::Journeys,
];

thread_local! {
    static HARNESS: RefCell<common::Harness> = RefCell::new(common::Harness::new());
}

fuzz_target!(|data: &[u8]| {
    let [kind, flags, file @ ..] = data else {
        return;
    };
    let kind = KINDS[usize::from(*kind) % KINDS.len()];
    HARNESS.with_borrow_mut(|h| h.run(kind, "input.csv", file, flags & 1 != 0, flags & 2 != 0));
});
