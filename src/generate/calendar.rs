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

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends `n` (below 100) as two digits.
pub fn push2(buf: &mut Vec<u8>, n: u64) {
    let i = (n % 100) as usize * 2;
    buf.extend_from_slice(&PAIRS[i..i + 2]);
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits (at most 20).
pub fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut at = 20;
    let mut v = n;
    while v >= 100 {
        let i = (v % 100) as usize * 2;
        v /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[i..i + 2]);
    }
    if v >= 10 {
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[v as usize * 2..v as usize * 2 + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + v as u8;
    }
    let start = at.min(20 - width.min(20));
    buf.extend_from_slice(&digits[start..]);
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

/// Formats RFC 3339 UTC instants, `YYYY-MM-DDTHH:MM:SSZ` with `.mmm` when not whole seconds,
/// remembering the last day's date text (rows come day by day).
#[derive(Debug, Default)]
pub struct TimestampFormatter {
    day: Option<i64>,
    date: Vec<u8>,
}

impl TimestampFormatter {
    pub fn push(&mut self, buf: &mut Vec<u8>, ms: i64) {
        let day = ms.div_euclid(MS_PER_DAY);
        if self.day != Some(day) {
            self.date.clear();
            push_date(&mut self.date, day);
            self.date.push(b'T');
            self.day = Some(day);
        }
        buf.extend_from_slice(&self.date);
        let in_day = ms.rem_euclid(MS_PER_DAY);
        let secs = (in_day / 1000) as u64;
        push2(buf, secs / 3600);
        buf.push(b':');
        push2(buf, secs / 60 % 60);
        buf.push(b':');
        push2(buf, secs % 60);
        let millis = in_day % 1000;
        if millis != 0 {
            buf.push(b'.');
            push_padded(buf, millis as u64, 3);
        }
        buf.push(b'Z');
    }
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
        let mut ts = TimestampFormatter::default();
        ts.push(&mut buf, day * MS_PER_DAY + (8 * 3600 + 15 * 60 + 2) * 1000);
        assert_eq!(buf, b"2026-10-30T08:15:02Z");
        buf.clear();
        ts.push(&mut buf, 5);
        assert_eq!(buf, b"1970-01-01T00:00:00.005Z");
        for (n, width, text) in [
            (0, 0, "0"),
            (7, 3, "007"),
            (123_456, 2, "123456"),
            (99, 6, "000099"),
        ] {
            buf.clear();
            push_padded(&mut buf, n, width);
            assert_eq!(buf, text.as_bytes());
        }
        buf.clear();
        push_padded(&mut buf, u64::MAX, 0);
        assert_eq!(buf, u64::MAX.to_string().as_bytes());
    }
}
