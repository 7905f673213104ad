use std::fmt;
use std::str::FromStr;

/// A five-character CPT code: an anesthesia code such as `00402`, a
/// qualifying-circumstance code such as `99100`, or (in a crosswalk) a surgical
/// code such as `19318` or a Category III code such as `0213T`.
///
/// Stored inline; comparing and hashing are cheap.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code([u8; 5]);

/// Why a string is not a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeParseError {
    /// Not five characters long.
    #[error("a code has five characters, this one has {0}")]
    Length(usize),
    /// A character other than an ASCII digit or upper-case letter.
    #[error("a code holds only digits and capital letters")]
    Character,
}

impl Code {
    /// The code of five ASCII digits or capital letters, for constants:
    /// `const ANY: Code = Code::from_ascii(b"99100");` fails to compile when the
    /// bytes are not a code.
    pub const fn from_ascii(bytes: &[u8; 5]) -> Code {
        let mut i = 0;
        while i < 5 {
            assert!(
                bytes[i].is_ascii_digit() || bytes[i].is_ascii_uppercase(),
                "a code holds only digits and capital letters"
            );
            i += 1;
        }
        Code(*bytes)
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        // The constructor admits only ASCII bytes.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The code's five ASCII bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Appends the code's text to `out`, a character at a time (for five ASCII
    /// characters, cheaper than [`Code::as_str`] and a copy).
    pub fn push_to(&self, out: &mut String) {
        out.reserve(self.0.len());
        for &byte in &self.0 {
            out.push(char::from(byte));
        }
    }

    /// The code as a number when it is all digits (`00402` → 402).
    pub fn number(&self) -> Option<u32> {
        self.0.iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    }

    /// True for the anesthesia range 00100–01999.
    pub fn is_anesthesia(&self) -> bool {
        matches!(self.number(), Some(100..=1999))
    }
}

impl FromStr for Code {
    type Err = CodeParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        let array: [u8; 5] = bytes
            .try_into()
            .map_err(|_| CodeParseError::Length(text.chars().count()))?;
        if array
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            Ok(Code(array))
        } else {
            Err(CodeParseError::Character)
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_anesthesia_surgical_and_category_three_codes() {
        let code: Code = "00402".parse().expect("valid");
        assert_eq!(code.as_str(), "00402");
        assert_eq!(code.number(), Some(402));
        assert!(code.is_anesthesia());
        assert!(!"19318".parse::<Code>().expect("valid").is_anesthesia());
        assert_eq!("0213T".parse::<Code>().expect("valid").number(), None);
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert_eq!("0040".parse::<Code>(), Err(CodeParseError::Length(4)));
        assert_eq!("004021".parse::<Code>(), Err(CodeParseError::Length(6)));
        assert_eq!("00 02".parse::<Code>(), Err(CodeParseError::Character));
        assert_eq!("0213t".parse::<Code>(), Err(CodeParseError::Character));
        assert_eq!("ééé".parse::<Code>(), Err(CodeParseError::Length(3)));
    }
}
