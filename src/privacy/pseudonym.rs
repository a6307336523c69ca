//! Keyed pseudonyms: HMAC-SHA256 of the user id under a secret key, so the same person gets the
//! same pseudonym in every run with the same key, and nobody without the key can reverse it or
//! test a guess.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Maps user ids to pseudonyms, or leaves them as they are when raw ids are enabled.
/// Whether a character can be part of a person id inside free text (ids are words of letters,
/// digits and `_ . @ -`).
pub fn is_id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '-')
}

#[derive(Clone)]
pub struct Pseudonymizer {
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Pseudonymizer")
            .field("active", &self.key.is_some())
            .finish()
    }
}

impl Pseudonymizer {
    /// Keeps ids as they are.
    pub fn raw_ids() -> Pseudonymizer {
        Pseudonymizer { key: None }
    }

    pub fn with_key(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer {
            key: Some(key.to_vec()),
        }
    }

    pub fn is_active(&self) -> bool {
        self.key.is_some()
    }

    /// `p` + the first 16 hex digits (64 bits) of HMAC-SHA256(key, id): collisions are
    /// negligible for any organisation (about 1 in 10^9 for 200,000 people).
    pub fn id(&self, id: &str) -> String {
        let Some(key) = &self.key else {
            return id.to_string();
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(17);
        out.push('p');
        for byte in &digest[..8] {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }

    /// Tells keys apart without saying anything of them: the first 8 hex digits of
    /// HMAC-SHA256(key, a fixed text), as a pseudonym is of an id. None without a key. A run
    /// records it, so that a later command with another key says so instead of finding nobody.
    pub fn fingerprint(&self) -> Option<String> {
        self.key.as_ref()?;
        Some(self.id("adept pseudonym key fingerprint")[1..9].to_string())
    }

    /// An id given by a user (a labels file, a command line) as a run published it: the id itself
    /// when the run published it so (a pseudonym already, or an id of a run with raw ids), its
    /// pseudonym otherwise.
    pub fn published(&self, id: &str, is_published: impl Fn(&str) -> bool) -> String {
        if is_published(id) {
            id.to_string()
        } else {
            self.id(id)
        }
    }

    /// Replaces, in free text such as a malformed input line, every token that is a known user
    /// id by its pseudonym. Tokens are runs of letters, digits and `_ . @ -`.
    pub fn text(&self, text: &str, is_known_id: impl Fn(&str) -> bool) -> String {
        if !self.is_active() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut token = String::new();
        let flush = |token: &mut String, out: &mut String| {
            if !token.is_empty() {
                if is_known_id(token) {
                    out.push_str(&self.id(token));
                } else {
                    out.push_str(token);
                }
                token.clear();
            }
        };
        for c in text.chars() {
            if is_id_char(c) {
                token.push(c);
            } else {
                flush(&mut token, &mut out);
                out.push(c);
            }
        }
        flush(&mut token, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_unlike_the_id() {
        let a = Pseudonymizer::with_key(b"key one");
        let b = Pseudonymizer::with_key(b"key two");
        assert_eq!(a.id("u000001"), a.id("u000001"));
        assert_ne!(a.id("u000001"), a.id("u000002"));
        assert_ne!(a.id("u000001"), b.id("u000001"));
        assert!(!a.id("u000001").contains("000001"));
        assert_eq!(a.id("u000001").len(), 17);
        assert_eq!(Pseudonymizer::raw_ids().id("u000001"), "u000001");
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") starts f7bc83f430538424.
        let known = Pseudonymizer::with_key(b"key");
        assert_eq!(
            known.id("The quick brown fox jumps over the lazy dog"),
            "pf7bc83f430538424"
        );
    }

    #[test]
    fn ids_inside_free_text_are_replaced() {
        let p = Pseudonymizer::with_key(b"k");
        let line = "u1,2026-10-30,\"x\",u22";
        let out = p.text(line, |t| t == "u1" || t == "u22");
        assert!(!out.contains("u1,") && !out.contains("u22"), "{out}");
        assert!(
            out.contains(&p.id("u1")) && out.contains("2026-10-30"),
            "{out}"
        );
    }
}
