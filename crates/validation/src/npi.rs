use std::fmt;
use std::str::FromStr;

/// A National Provider Identifier whose check digit is valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Npi([u8; 10]);

/// Why a string is not a valid NPI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpiError {
    /// Not ten digits.
    #[error("an NPI is 10 digits")]
    Format,
    /// NPIs are issued starting with 1 or 2.
    #[error("an NPI starts with 1 or 2")]
    FirstDigit,
    /// The last digit does not match the other nine.
    #[error("the check digit should be {expected}")]
    CheckDigit {
        /// The check digit the first nine digits call for.
        expected: u8,
    },
}

impl Npi {
    /// The NPI's digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The check digit for nine leading digits: Luhn over the digits with the
    /// 80840 prefix, which amounts to adding 24 to the plain Luhn sum.
    fn check_digit(digits: &[u8; 9]) -> u8 {
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(position, &digit)| {
                let value = u32::from(digit - b'0');
                if position % 2 == 0 {
                    let doubled = value * 2;
                    doubled / 10 + doubled % 10
                } else {
                    value
                }
            })
            .sum::<u32>()
            + 24;
        // The result is always a single digit.
        ((10 - sum % 10) % 10) as u8
    }
}

impl FromStr for Npi {
    type Err = NpiError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 10] = text.as_bytes().try_into().map_err(|_| NpiError::Format)?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(NpiError::Format);
        }
        if !matches!(bytes[0], b'1' | b'2') {
            return Err(NpiError::FirstDigit);
        }
        let mut leading = [0u8; 9];
        leading.copy_from_slice(&bytes[..9]);
        let expected = Npi::check_digit(&leading);
        if bytes[9] - b'0' != expected {
            return Err(NpiError::CheckDigit { expected });
        }
        Ok(Npi(bytes))
    }
}

impl fmt::Display for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Npi({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cms_test_vector() {
        // CMS "Requirements for NPI Check Digit": 123456789 → 1234567893.
        assert_eq!(
            "1234567893".parse::<Npi>().map(|n| n.to_string()),
            Ok("1234567893".into())
        );
        assert_eq!(
            "1234567890".parse::<Npi>(),
            Err(NpiError::CheckDigit { expected: 3 })
        );
    }

    #[test]
    fn format_errors() {
        assert_eq!("123456789".parse::<Npi>(), Err(NpiError::Format));
        assert_eq!("12345678a3".parse::<Npi>(), Err(NpiError::Format));
        assert_eq!("3234567893".parse::<Npi>(), Err(NpiError::FirstDigit));
    }
}
