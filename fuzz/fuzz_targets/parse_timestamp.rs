//! The timestamp parser (`adept::ingest::parse_timestamp`) and the true/false words
//! (`parse_bool`): any text gives a value or None; never a panic.
#![no_main]

use adept::config::EpochUnit;
use adept::ingest::{TimestampRules, parse_bool, parse_timestamp};
use chrono::DateTime;
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;

/// UTC, zones with summer time (both hemispheres), and odd offsets (+05:45, +13:45, -03:30, +14).
const ZONES: [Tz; 8] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::Australia__Lord_Howe,
    Tz::Asia__Kathmandu,
    Tz::Pacific__Chatham,
    Tz::America__St_Johns,
    Tz::Pacific__Kiritimati,
];

const UNITS: [EpochUnit; 3] = [EpochUnit::Auto, EpochUnit::Seconds, EpochUnit::Milliseconds];

// `data[0]`: zone (bits 0-2) and epoch unit (bits 3-4, modulo 3); the rest: the text.
fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let rules = TimestampRules {
        timezone: ZONES[usize::from(selector & 7)],
        epoch_unit: UNITS[usize::from((selector >> 3) & 3) % UNITS.len()],
    };
    let parsed = parse_timestamp(text, rules);
    if let Some(millis) = parsed {
        // Every instant returned is one chrono (and a polars Datetime) can hold.
        assert!(
            DateTime::from_timestamp_millis(millis).is_some(),
            "{text:?} -> {millis}"
        );
    }
    // Surrounding white space never changes the result.
    assert_eq!(
        parse_timestamp(&format!(" \t{text}\n "), rules),
        parsed,
        "{text:?}"
    );
    let _ = parse_bool(text);
});
