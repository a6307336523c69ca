//! Date arithmetic on days since 1970-01-01 and fast RFC 3339 / ISO date formatting.

use chrono::NaiveDate;

pub const SECONDS_PER_DAY: i64 = 86_400;
pub const MS_PER_DAY: i64 = SECONDS_PER_DAY * 1000;

/// Days since 1970-01-01 of a calendar date.
pub fn epoch_day(date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (date - epoch).num_days()
}

/// The calendar date (year, month, day) of a day since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil(day: i64) -> (i64, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Monday = 0 ... Sunday = 6.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

pub fn is_weekend(day: i64) -> bool {
    weekday(day) >= 5
}

/// The date as `yyyymmdd`, for ids.
pub fn compact_date(day: i64) -> u32 {
    let (y, m, d) = civil(day);
    (y.clamp(0, 9999) as u32) * 10_000 + m * 100 + d
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits.
pub fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = b'0' + (v % 10) as u8;
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits[..len].iter().rev());
}

/// Appends a signed integer in decimal.
pub fn push_int(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_padded(buf, n.unsigned_abs(), 0);
}

/// Appends `YYYY-MM-DD`.
pub fn push_date(buf: &mut Vec<u8>, day: i64) {
    let (y, m, d) = civil(day);
    if y < 0 {
        buf.push(b'-');
    }
    push_padded(buf, y.unsigned_abs(), 4);
    buf.push(b'-');
    push_padded(buf, u64::from(m), 2);
    buf.push(b'-');
    push_padded(buf, u64::from(d), 2);
}

/// Appends an RFC 3339 UTC instant: `YYYY-MM-DDTHH:MM:SSZ`, with `.mmm` when not whole seconds.
pub fn push_timestamp(buf: &mut Vec<u8>, ms: i64) {
    let day = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    push_date(buf, day);
    buf.push(b'T');
    let secs = in_day / 1000;
    push_padded(buf, (secs / 3600) as u64, 2);
    buf.push(b':');
    push_padded(buf, (secs / 60 % 60) as u64, 2);
    buf.push(b':');
    push_padded(buf, (secs % 60) as u64, 2);
    let millis = in_day % 1000;
    if millis != 0 {
        buf.push(b'.');
        push_padded(buf, millis as u64, 3);
    }
    buf.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_with_chrono() {
        for date in [
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            NaiveDate::from_ymd_opt(1969, 12, 31).unwrap(),
        ] {
            let (y, m, d) = civil(epoch_day(date));
            assert_eq!(NaiveDate::from_ymd_opt(y as i32, m, d), Some(date));
        }
        // 2026-10-31 is a Saturday.
        assert!(is_weekend(epoch_day(
            NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
        )));
        assert!(!is_weekend(epoch_day(
            NaiveDate::from_ymd_opt(2026, 10, 30).unwrap()
        )));
    }

    #[test]
    fn timestamps_format_as_rfc3339() {
        let day = epoch_day(NaiveDate::from_ymd_opt(2026, 10, 30).unwrap());
        let mut buf = Vec::new();
        push_timestamp(&mut buf, day * MS_PER_DAY + (8 * 3600 + 15 * 60 + 2) * 1000);
        assert_eq!(buf, b"2026-10-30T08:15:02Z");
        buf.clear();
        push_timestamp(&mut buf, 5);
        assert_eq!(buf, b"1970-01-01T00:00:00.005Z");
    }
}
