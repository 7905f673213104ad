//! Appending words and exact numbers to the rationale without the formatting
//! machinery: the rationale is written for every full decision, and each
//! `write!` costs more than the digits it writes.

use anescode_codes::Code;

use crate::Modifier;
use crate::units::{Cents, Decimal, Tenths};

/// The rationale being written.
pub(super) struct Text(String);

impl Text {
    /// Room for a typical case's rationale (about 600 bytes), so it grows once
    /// at most.
    pub(super) fn new() -> Self {
        Text(String::with_capacity(1024))
    }

    pub(super) fn into_string(self) -> String {
        self.0
    }

    pub(super) fn str(&mut self, words: &str) -> &mut Self {
        self.0.push_str(words);
        self
    }

    /// A whole number in decimal.
    pub(super) fn number(&mut self, value: u64) -> &mut Self {
        // Most of the rationale's numbers (units, percents, positions) are
        // below 100: one or two characters, without the digit loop.
        if let Some(at) = u8::try_from(value).ok().filter(|v| *v < 100) {
            if at >= 10 {
                self.0.push(char::from(b'0' + at / 10));
            }
            self.0.push(char::from(b'0' + at % 10));
            return self;
        }
        Decimal::new(value, 0).push_to(&mut self.0);
        self
    }

    /// Units with their tenth, `17.0`, as [`Tenths`] displays them.
    pub(super) fn tenths(&mut self, units: Tenths) -> &mut Self {
        units.decimal().push_to(&mut self.0);
        self
    }

    /// Dollars and cents, `354.22`, as [`Cents`] displays them.
    pub(super) fn cents(&mut self, amount: Cents) -> &mut Self {
        amount.decimal().push_to(&mut self.0);
        self
    }

    /// A code with its modifiers, `00402-AA-P3`.
    pub(super) fn coded(&mut self, code: Code, modifiers: &[Modifier]) -> &mut Self {
        code.push_to(&mut self.0);
        for modifier in modifiers {
            self.str("-").str(modifier.as_str());
        }
        self
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, words: &str) -> std::fmt::Result {
        self.0.push_str(words);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(write: impl FnOnce(&mut Text)) -> String {
        let mut text = Text::new();
        write(&mut text);
        text.into_string()
    }

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for value in (0..=1_000).chain([1_234_567, u64::MAX]) {
            assert_eq!(
                written(|t| {
                    t.number(value);
                }),
                value.to_string()
            );
        }
        for tenths in [0, 5, 10, 63, 170, 4_294_967_295] {
            let units = Tenths::from_tenths(tenths);
            assert_eq!(
                written(|t| {
                    t.tenths(units);
                }),
                units.to_string()
            );
        }
        for cents in [0, 5, 10, 99, 100, 35_422, 100_001] {
            let amount = Cents::from_cents(cents);
            assert_eq!(
                written(|t| {
                    t.cents(amount);
                }),
                amount.to_string()
            );
        }
    }
}
