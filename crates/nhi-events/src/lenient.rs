//! Field types that never fail a whole record.
//!
//! Real exports disagree on scalar types (numbers as strings, `null` for objects, a token
//! ID as a number): one odd field must cost that field only, not the event. Strings are
//! borrowed from the input whenever the text has no escapes.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A text field: strings as they are, numbers and booleans as their JSON text, anything
/// else (objects, arrays, `null`) as absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The value, unless absent or empty (providers write `""` for "none" as often as
    /// they omit the field).
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|value| !value.is_empty())
    }

    pub fn owned(&self) -> Option<String> {
        self.get().map(str::to_owned)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(value))))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(value.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(value))))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(if value {
            "true"
        } else {
            "false"
        }))))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(value.to_string()))))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(value.to_string()))))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(value.to_string()))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(None))
    }
}

/// A non-negative count: integers, finite non-negative floats (CloudTrail writes
/// `bytesTransferredOut` as `0.0` at times) and numeric strings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Count(pub Option<u64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        Ok(Count(text.get().and_then(parse_count)))
    }
}

fn parse_count(text: &str) -> Option<u64> {
    if let Ok(value) = text.parse::<u64>() {
        return Some(value);
    }
    let value = text.parse::<f64>().ok()?;
    // `as` saturates; the range check keeps negative and absurd values out.
    (value.is_finite() && (0.0..1.8e19).contains(&value)).then_some(value as u64)
}

/// A boolean written as `true`/`false` or as the strings `"true"`/`"false"`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        Ok(Flag(text.get().and_then(|value| {
            if value.eq_ignore_ascii_case("true") {
                Some(true)
            } else if value.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        })))
    }
}

/// A nested value parsed on its own: if its shape is not the expected one it becomes
/// `None` instead of failing the record around it. Only for use under serde_json
/// parsing from a string (it borrows the nested text as a raw value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<T> Lenient<T> {
    pub fn as_ref(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if DIRECT.get() {
            // `null` is `None` either way: every `T` used here is a struct or a
            // sequence, which the isolated parse below rejects for `null`.
            return Option::<T>::deserialize(deserializer).map(Lenient);
        }
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        Ok(Lenient(serde_json::from_str(raw.get()).ok()))
    }
}

thread_local! {
    /// Set while [`from_str`] makes its first, direct attempt.
    static DIRECT: Cell<bool> = const { Cell::new(false) };
}

/// Resets [`DIRECT`] however the direct attempt ends.
struct DirectGuard;

impl Drop for DirectGuard {
    fn drop(&mut self) {
        DIRECT.set(false);
    }
}

/// Parses a record whose nested values are [`Lenient`]. The isolated parse of each
/// nested value scans its text twice (once to find its end, once to parse it), and
/// nested `Lenient` values inside it again, so `userIdentity.sessionContext` was read
/// four times. Well-formed records, the bulk of any log, are parsed in one pass with
/// nested values deserialised in place; only when that fails (a nested value of an
/// unexpected shape, or a malformed record) is the record parsed again the isolating
/// way, which gives exactly the old result, so the outcome never depends on the path.
pub(crate) fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    let direct = {
        let _guard = DirectGuard;
        DIRECT.set(true);
        serde_json::from_str(text)
    };
    direct.or_else(|_| serde_json::from_str(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Sample<'a> {
        #[serde(borrow)]
        name: Text<'a>,
        count: Count,
        flag: Flag,
        #[serde(borrow)]
        nested: Lenient<Vec<Text<'a>>>,
    }

    #[test]
    fn odd_types_cost_only_their_field() {
        let sample: Sample =
            serde_json::from_str(r#"{"name":12,"count":"7","flag":"TRUE","nested":{"a":1}}"#)
                .unwrap();
        assert_eq!(sample.name.get(), Some("12"));
        assert_eq!(sample.count.0, Some(7));
        assert_eq!(sample.flag.0, Some(true));
        assert!(sample.nested.0.is_none());

        let sample: Sample =
            serde_json::from_str(r#"{"name":{"x":[1]},"count":-3,"flag":1,"nested":["a",2]}"#)
                .unwrap();
        assert_eq!(sample.name.get(), None);
        assert_eq!(sample.count.0, None);
        assert_eq!(sample.flag.0, None);
        let nested = sample.nested.0.unwrap();
        assert_eq!(nested[1].get(), Some("2"));
    }

    #[test]
    fn floats_count_and_strings_borrow() {
        assert_eq!(parse_count("12.0"), Some(12));
        assert_eq!(parse_count("NaN"), None);
        let sample: Sample = serde_json::from_str(r#"{"name":"plain"}"#).unwrap();
        assert!(matches!(sample.name.0, Some(Cow::Borrowed("plain"))));
    }
}
