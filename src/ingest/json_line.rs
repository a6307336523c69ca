//! Reads one line of a JSON Lines file for the keys a table maps: the values of those keys as
//! text, which of them the line has, and the keys not met before (for the error that lists what
//! a file has). Lines are independent, so a chunk's lines are read in parallel.
//!
//! Most lines take a fast path that reads only the mapped keys' values, borrowing their text
//! from the line, and checks the rest without building it. A line the fast path cannot settle
//! (not valid JSON, not an object, a mapped key holding an object or an array) is read again into
//! a `serde_json::Value`, which decides and words the reject, so both paths give the same result
//! for every line.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use polars::prelude::PlHashMap;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

use super::ledger::{LineReject, RejectReason, clip_raw};

/// What one line of a JSON Lines file held (its text borrowed from the line where it can be).
pub(super) enum JsonLine<'t> {
    /// Only white space.
    Empty,
    Row(Picked<'t>),
    /// An object, rejected for a mapped key holding an object or an array: its keys still count
    /// as found.
    WrongType(Picked<'t>, LineReject),
    Reject(LineReject),
}

/// The mapped keys of one object.
pub(super) struct Picked<'t> {
    /// Per mapped column: its value as text (None where missing or null).
    pub values: Vec<Option<Cow<'t, str>>>,
    /// Bit i: whether the object has column i's key (even as null).
    pub present: u64,
    /// The object's keys that were not known, sorted, each once.
    pub new_keys: Vec<String>,
}

/// The most columns a table maps (one bit each in [`Picked::present`]).
pub(super) const MAX_COLUMNS: usize = 64;

/// The keys a table maps, and the keys already met in the file.
pub(super) struct Wanted<'a> {
    sources: &'a [(&'static str, String)],
    /// Every mapped key and every known key: the first column read from it, if any, and
    /// whether it is known.
    keys: PlHashMap<&'a str, (Option<usize>, bool)>,
    /// Whether keys not in `keys` are reported as new.
    report_new: bool,
    /// Per column: a bit for every column read from the same key (itself included).
    same_key: Vec<u64>,
}

impl<'a> Wanted<'a> {
    /// `sources`: per column, the key it is read from (at most [`MAX_COLUMNS`]); `known`: the
    /// keys met so far, None to report no new keys.
    pub fn new(
        sources: &'a [(&'static str, String)],
        known: Option<&'a HashSet<String>>,
    ) -> Wanted<'a> {
        debug_assert!(
            sources.len() <= MAX_COLUMNS,
            "a table maps at most 64 columns"
        );
        let mut keys: PlHashMap<&str, (Option<usize>, bool)> = known
            .into_iter()
            .flatten()
            .map(|k| (k.as_str(), (None, true)))
            .collect();
        for (i, (_, source)) in sources.iter().enumerate().rev() {
            let is_known = known.is_some_and(|k| k.contains(source));
            keys.insert(source.as_str(), (Some(i), is_known));
        }
        let same_key = sources
            .iter()
            .map(|(_, key)| {
                let same = sources.iter().enumerate().filter(|(_, (_, k))| k == key);
                same.fold(0u64, |bits, (i, _)| bits | 1 << i)
            })
            .collect();
        Wanted {
            sources,
            keys,
            report_new: known.is_some(),
            same_key,
        }
    }

    fn is_new(&self, key: &str) -> bool {
        self.report_new && !self.keys.get(key).is_some_and(|(_, known)| *known)
    }
}

/// Reads the line numbered `line` (its bytes, with or without the line end).
pub(super) fn read_line<'t>(bytes: &'t [u8], line: u64, wanted: &Wanted<'_>) -> JsonLine<'t> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        let lossy = String::from_utf8_lossy(bytes).trim().to_string();
        return JsonLine::Reject(LineReject {
            lines: 1,
            line,
            column: None,
            reason: RejectReason::InvalidUtf8,
            raw: clip_raw(&lossy),
            fields: vec![lossy],
        });
    };
    // A UTF-8 byte order mark, which some tools write at the start of a file, is no JSON.
    let text = text.trim().trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return JsonLine::Empty;
    }
    match fast(text, wanted) {
        Some(picked) => JsonLine::Row(picked),
        None => slow(text, line, wanted),
    }
}

/// The fast path: None where it cannot settle the line.
fn fast<'t>(text: &'t str, wanted: &Wanted<'_>) -> Option<Picked<'t>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let picked = de.deserialize_map(Pick(wanted)).ok()?;
    de.end().ok()?;
    picked
}

/// The line read whole: decides the rejects and words them.
fn slow<'t>(text: &str, line: u64, wanted: &Wanted<'_>) -> JsonLine<'t> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return JsonLine::Reject(LineReject {
                lines: 1,
                line,
                column: None,
                reason: RejectReason::MalformedLine,
                raw: clip_raw(&format!("{e}: {text}")),
                fields: vec![text.to_string()],
            });
        }
    };
    let serde_json::Value::Object(object) = value else {
        return JsonLine::Reject(LineReject {
            lines: 1,
            line,
            column: None,
            reason: RejectReason::NotAnObject,
            raw: clip_raw(text),
            fields: vec![text.to_string()],
        });
    };
    let mut picked = Picked::new(wanted.sources.len());
    // The map's keys are sorted and distinct.
    picked.new_keys = object
        .keys()
        .filter(|k| wanted.is_new(k))
        .cloned()
        .collect();
    let mut nested = None;
    for (i, (canonical, source)) in wanted.sources.iter().enumerate() {
        picked.values[i] = match object.get(source.as_str()) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(Cow::Owned(s.clone())),
            Some(serde_json::Value::Number(n)) => Some(Cow::Owned(number_text(n))),
            Some(serde_json::Value::Bool(b)) => Some(Cow::Owned(b.to_string())),
            Some(other) => {
                nested = Some((*canonical, other.to_string()));
                None
            }
        };
        if object.contains_key(source.as_str()) {
            picked.present |= 1 << i;
        }
    }
    match nested {
        Some((column, raw)) => {
            let reject = LineReject {
                lines: 1,
                line,
                column: Some(column.to_string()),
                reason: RejectReason::WrongType,
                raw: clip_raw(&raw),
                fields: object
                    .values()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            };
            JsonLine::WrongType(picked, reject)
        }
        None => JsonLine::Row(picked),
    }
}

impl Picked<'_> {
    fn new(columns: usize) -> Self {
        Picked {
            values: vec![None; columns],
            present: 0,
            new_keys: Vec::new(),
        }
    }
}

/// Reads an object's mapped keys; Some(None) where a mapped key holds an object or an array
/// (the slow path words that reject).
struct Pick<'w, 'a>(&'w Wanted<'a>);

impl<'de> Visitor<'de> for Pick<'_, '_> {
    type Value = Option<Picked<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let sources = self.0.sources;
        let mut picked = Picked::new(sources.len());
        let mut nested = 0u64;
        while let Some(key) = map.next_key_seed(Key(self.0))? {
            if let Some(new) = key.new {
                picked.new_keys.push(new);
            }
            let Some(first) = key.column else {
                map.next_value::<Skip>()?;
                continue;
            };
            // A later copy of a key replaces an earlier one, as in a parsed object.
            let value = map.next_value::<Field<'de>>()?;
            let columns = self.0.same_key[first];
            picked.present |= columns;
            nested &= !columns;
            if matches!(value, Field::Nested) {
                nested |= columns;
            }
            for (i, slot) in picked.values.iter_mut().enumerate() {
                if columns & (1 << i) != 0 {
                    *slot = value.text();
                }
            }
        }
        if nested != 0 {
            return Ok(None);
        }
        picked.new_keys.sort_unstable();
        picked.new_keys.dedup();
        Ok(Some(picked))
    }
}

/// A key: the first mapped column read from it, and the key itself if it is new.
struct KeyMatch {
    column: Option<usize>,
    new: Option<String>,
}

struct Key<'w, 'a>(&'w Wanted<'a>);

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = KeyMatch;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<KeyMatch, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = KeyMatch;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<KeyMatch, E> {
        let (column, known) = self.0.keys.get(key).copied().unwrap_or((None, false));
        Ok(KeyMatch {
            column,
            new: (self.0.report_new && !known).then(|| key.to_string()),
        })
    }
}

/// A mapped key's value, as the slow path would turn it into text.
enum Field<'de> {
    Null,
    Text(Cow<'de, str>),
    Nested,
}

impl<'de> Field<'de> {
    fn text(&self) -> Option<Cow<'de, str>> {
        match self {
            Field::Text(text) => Some(text.clone()),
            Field::Null | Field::Nested => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Field<'de>, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Field::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(b.to_string())))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(Number::from(n).to_string())))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(Number::from(n).to_string())))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        // As `serde_json::Value` reads it: a number that is not finite is null.
        let text = Number::from_f64(n).map(|n| number_text(&n));
        Ok(text.map_or(Field::Null, |t| Field::Text(Cow::Owned(t))))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(s.to_string())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Field::Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Field::Nested)
    }
}

/// A JSON number as text. A whole number written with a fraction (`10003.0`, as pandas writes
/// an integer column that has gaps) is written without it, so that an id read from it is the
/// same id as `10003` elsewhere.
fn number_text(n: &Number) -> String {
    let whole = n
        .as_f64()
        .filter(|_| n.is_f64())
        .and_then(super::parse::as_whole);
    whole.map_or_else(|| n.to_string(), |w| w.to_string())
}

/// A value read and dropped. Read as a `serde_json::Value` would be (numbers in range, nesting
/// within its limit), not merely scanned, so that a line the slow path rejects is never taken.
struct Skip;

impl<'de> serde::Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Skip, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> Vec<(&'static str, String)> {
        vec![
            ("user_id", "userId".to_string()),
            ("feature", "event".to_string()),
            ("count", "n".to_string()),
            ("app", "event".to_string()),
        ]
    }

    /// What a line reads as, through the fast path where it settles the line and through the
    /// slow path alone, for comparison.
    fn both(text: &str) -> (String, String) {
        let sources = sources();
        let known: HashSet<String> = ["userId".to_string()].into();
        let wanted = Wanted::new(&sources, Some(&known));
        let show = |line: JsonLine| match line {
            JsonLine::Empty => "empty".to_string(),
            JsonLine::Row(p) => format!("{:?} {:b} {:?}", p.values, p.present, p.new_keys),
            JsonLine::Reject(r) => {
                format!("{:?} {:?} {} {:?}", r.reason, r.column, r.raw, r.fields)
            }
            JsonLine::WrongType(p, r) => format!(
                "{:?} {:?} {} {:?} / {:b} {:?}",
                r.reason, r.column, r.raw, r.fields, p.present, p.new_keys
            ),
        };
        let slow = show(match std::str::from_utf8(text.as_bytes()) {
            Ok(t) if !t.trim().is_empty() => slow(t.trim(), 7, &wanted),
            _ => read_line(text.as_bytes(), 7, &wanted),
        });
        (show(read_line(text.as_bytes(), 7, &wanted)), slow)
    }

    #[test]
    fn the_fast_path_reads_every_line_as_the_parsed_object_does() {
        let lines = [
            r#"{"userId":"u1","event":"copy","n":3,"other":{"deep":[1,2,{"x":null}]}}"#,
            r#"  {"event":"a\"b\u00e9","userId":null,"n":-2.50e3,"flag":true}  "#,
            r#"{"userId":"u1","userId":"u2","n":1,"n":null}"#,
            r#"{"userId":{"id":1},"userId":"u3"}"#,
            r#"{"userId":"u3","event":["a","b"]}"#,
            r#"{"userId":"u3","n":{"x":1},"n":2}"#,
            r#"{"n":18446744073709551615,"m":-9223372036854775808,"b":false}"#,
            r#"{"n":1e400}"#,
            r#"{"userId":"u1","big":1e400}"#,
            r#"{"userId":"u1","big":-1e-400,"small":0.1e1}"#,
            r#"{"userId":"u1"} trailing"#,
            r#"[1,2,3]"#,
            r#""just text""#,
            r#"{"userId": "u1", "z": 1, "a": 2, "a": 3}"#,
            "   ",
            "{}",
            "{\"userId\":\"u\u{1}\"}",
            r#"{"userId":"u1","event":"x""#,
        ];
        let deep = format!(
            r#"{{"userId":"u1","deep":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        for line in lines.iter().copied().chain([deep.as_str()]) {
            let (fast, slow) = both(line);
            assert_eq!(fast, slow, "{line}");
        }
        let (fast, _) = both(r#"{"event":"copy","n":3,"flag":true}"#);
        assert_eq!(
            fast,
            r#"[None, Some("copy"), Some("3"), Some("copy")] 1110 ["event", "flag", "n"]"#
        );
    }

    #[test]
    fn every_table_fits_the_present_bits() {
        for table in crate::contract::TableKind::ALL {
            assert!(table.columns().len() <= MAX_COLUMNS, "{table}");
        }
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_reads_as_the_whole_number() {
        for (line, id) in [
            (r#"{"userId":10003.0}"#, "10003"),
            (r#"{"userId":10003}"#, "10003"),
            (r#"{"userId":1.5}"#, "1.5"),
        ] {
            let (fast, slow) = both(line);
            assert_eq!(fast, slow);
            assert!(fast.starts_with(&format!("[Some(\"{id}\")")), "{fast}");
        }
    }

    #[test]
    fn a_byte_order_mark_before_the_first_object_is_not_part_of_it() {
        let sources = sources();
        let wanted = Wanted::new(&sources, None);
        let line = "\u{feff}{\"userId\":\"u1\",\"n\":2}\n";
        let JsonLine::Row(picked) = read_line(line.as_bytes(), 1, &wanted) else {
            panic!("the first line of a file with a byte order mark was not read");
        };
        let values: Vec<Option<&str>> = picked.values.iter().map(|v| v.as_deref()).collect();
        assert_eq!(values, [Some("u1"), None, Some("2"), None]);
    }

    #[test]
    fn invalid_utf8_is_rejected_with_its_text_as_far_as_it_reads() {
        let sources = sources();
        let wanted = Wanted::new(&sources, None);
        let JsonLine::Reject(reject) = read_line(b"{\"userId\":\"u\xff\"}", 3, &wanted) else {
            panic!("accepted");
        };
        assert_eq!(reject.reason, RejectReason::InvalidUtf8);
        assert_eq!(reject.line, 3);
    }
}
