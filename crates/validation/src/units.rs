//! Exact quantities: anesthesia units in tenths, money in cents, conversion factors
//! in ten-thousandths of a dollar. No floating point anywhere.

use std::fmt;
use std::ops::Add;
use std::str::FromStr;

/// Anesthesia units in tenths of a unit: `Tenths::from_tenths(63)` is 6.3 units.
/// Arithmetic saturates: no sum of units can overflow, whatever a payer profile
/// or a record holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tenths(u32);

impl Tenths {
    /// Whole units.
    pub const fn whole(units: u32) -> Self {
        Tenths(units.saturating_mul(10))
    }

    /// A number of tenths of a unit.
    pub const fn from_tenths(tenths: u32) -> Self {
        Tenths(tenths)
    }

    /// The number of tenths of a unit.
    pub const fn tenths(self) -> u32 {
        self.0
    }

    /// As [`fmt::Display`] writes it, `6.3`, in a buffer on the stack: every
    /// claim line of every decision sends several.
    pub fn decimal(self) -> Decimal {
        Decimal::new(u64::from(self.0), 1)
    }
}

impl Add for Tenths {
    type Output = Tenths;

    fn add(self, other: Tenths) -> Tenths {
        Tenths(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.decimal().as_str())
    }
}

/// A fixed-point number written into a buffer on the stack: every claim line
/// and figure writes several, and one `write_str` costs less than formatting
/// each part.
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    bytes: [u8; 24],
    from: usize,
}

impl Decimal {
    /// `value` with its last `places` (at most 4) digits after the point.
    pub(crate) fn new(value: u64, places: usize) -> Self {
        let mut decimal = Decimal {
            bytes: [0u8; 24],
            from: 24,
        };
        let mut rest = value;
        for _ in 0..places {
            rest = decimal.digit(rest);
        }
        if places > 0 {
            decimal.from -= 1;
            decimal.bytes[decimal.from] = b'.';
        }
        // At least one digit before the point.
        loop {
            rest = decimal.digit(rest);
            if rest == 0 {
                return decimal;
            }
        }
    }

    /// Writes the last digit of `rest` before the others; returns the rest.
    fn digit(&mut self, rest: u64) -> u64 {
        self.from -= 1;
        // A digit is below 10: the cast keeps it.
        self.bytes[self.from] = b'0' + (rest % 10) as u8;
        rest / 10
    }

    /// Appends the digits to `out`, a character at a time: for a few ASCII
    /// digits that costs less than checking them as UTF-8 and copying them.
    pub(crate) fn push_to(&self, out: &mut String) {
        let digits = &self.bytes[self.from..];
        out.reserve(digits.len());
        for &digit in digits {
            out.push(char::from(digit));
        }
    }

    /// The digits and point, ASCII, as they are written: copied as they are
    /// into a message, without checking them as UTF-8.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[self.from..]
    }

    /// The digits and point as text.
    pub fn as_str(&self) -> &str {
        // Digits and a point only: always UTF-8.
        std::str::from_utf8(&self.bytes[self.from..]).unwrap_or_default()
    }
}

/// An amount of money in cents, never negative (allowances only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(u64);

impl Cents {
    /// A number of cents.
    pub const fn from_cents(cents: u64) -> Self {
        Cents(cents)
    }

    /// The number of cents.
    pub const fn cents(self) -> u64 {
        self.0
    }

    /// As [`fmt::Display`] writes it, `354.22`, in a buffer on the stack.
    pub fn decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.decimal().as_str())
    }
}

/// Dollars per unit to four decimals, the precision CMS publishes anesthesia
/// conversion factors in: `Rate::from_ten_thousandths(204_976)` is $20.4976.
/// Never negative: it is made only from digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(u64);

impl Rate {
    /// A rate in ten-thousandths of a dollar.
    pub const fn from_ten_thousandths(value: u64) -> Self {
        Rate(value)
    }

    /// The rate in ten-thousandths of a dollar.
    pub const fn ten_thousandths(self) -> u64 {
        self.0
    }
}

/// Why a string is not a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an amount in dollars with at most four decimals, e.g. \"20.4976\"")]
pub struct RateParseError(String);

impl FromStr for Rate {
    type Err = RateParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || RateParseError(text.to_owned());
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) if digits(fraction) => (whole, fraction),
            Some(_) => return Err(error()),
            None => (text, ""),
        };
        if !digits(whole) || fraction.len() > 4 {
            return Err(error());
        }
        let whole: u64 = whole.parse().map_err(|_| error())?;
        let fraction: u64 = format!("{fraction:0<4}").parse().map_err(|_| error())?;
        whole
            .checked_mul(10_000)
            .and_then(|w| w.checked_add(fraction))
            .map(Rate)
            .ok_or_else(error)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Decimal::new(self.0, 4).as_str())
    }
}

/// units × rate × percent / 100, rounded half-up to the cent.
///
/// Tenths (1e-1) × rate (1e-4 $) × percent (1e-2) is in units of 1e-7 dollars;
/// a cent is 1e5 of those.
pub fn allowed_amount(units: Tenths, rate: Rate, percent: u32) -> Cents {
    // At most (2^32) x (2^64) x (2^32): fits in u128.
    let scaled = u128::from(units.0) * u128::from(rate.0) * u128::from(percent);
    let cents = (scaled + 50_000) / 100_000;
    Cents(u64::try_from(cents).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_with_their_places() {
        for value in (0..=2_000).chain([99_999, 123_456_789, u64::from(u32::MAX), u64::MAX]) {
            let tenths = u32::try_from(value).ok().map(Tenths::from_tenths);
            if let Some(tenths) = tenths {
                assert_eq!(tenths.to_string(), format!("{}.{}", value / 10, value % 10));
                assert_eq!(tenths.decimal().as_bytes(), tenths.to_string().as_bytes());
            }
            let cents = Cents::from_cents(value).to_string();
            assert_eq!(cents, format!("{}.{:02}", value / 100, value % 100));
            assert_eq!(
                Cents::from_cents(value).decimal().as_bytes(),
                cents.as_bytes()
            );
            let rate = Rate::from_ten_thousandths(value).to_string();
            assert_eq!(rate, format!("{}.{:04}", value / 10_000, value % 10_000));
        }
    }

    #[test]
    fn sums_saturate_instead_of_overflowing() {
        let most = Tenths::from_tenths(u32::MAX);
        assert_eq!(most + Tenths::whole(5), most);
        assert_eq!(Tenths::whole(u32::MAX), most);
        // The largest units at the largest rate and percent still give an amount.
        let amount = allowed_amount(most, Rate(u64::MAX), u32::MAX);
        assert_eq!(amount, Cents(u64::MAX));
    }

    #[test]
    fn display() {
        assert_eq!(Tenths(63).to_string(), "6.3");
        assert_eq!(Tenths(0).to_string(), "0.0");
        assert_eq!(Tenths::whole(5).to_string(), "5.0");
        assert_eq!(Cents(23162).to_string(), "231.62");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Rate(204_976).to_string(), "20.4976");
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!("20.4976".parse(), Ok(Rate(204_976)));
        assert_eq!("80.7".parse(), Ok(Rate(807_000)));
        assert_eq!("39".parse(), Ok(Rate(390_000)));
        for bad in ["", "20.", ".5", "20.49761", "-1", "2e1", "20,49"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn allowed_amounts_round_half_up_to_the_cent() {
        // 11.3 units × $20.4976 = $231.62288.
        assert_eq!(
            allowed_amount(Tenths(113), Rate(204_976), 100),
            Cents(23162)
        );
        // Half of it: $115.81144.
        assert_eq!(allowed_amount(Tenths(113), Rate(204_976), 50), Cents(11581));
        // 1 unit × $0.0050 = half a cent, rounded up.
        assert_eq!(allowed_amount(Tenths(10), Rate(50), 100), Cents(1));
    }
}
