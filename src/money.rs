//! Money, as Fintoc counts it: integers in the currency's smallest unit. Shared by the browser
//! side and the `server` feature (one definition of CLP and MXN).
//!
//! CLP has no decimals (`5000` is $5.000); MXN counts centavos (`5000` is $50.00). Payments take
//! only CLP and MXN, and the amount must be greater than zero.

use crate::prelude::*;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A currency Fintoc payments accept.
///
/// ```
/// use fintoc_wasm::Currency;
/// assert_eq!(Currency::Clp.decimals(), 0);
/// assert_eq!(Currency::Mxn.decimals(), 2);
/// assert_eq!("mxn".parse::<Currency>(), Ok(Currency::Mxn));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Currency {
    /// Chilean peso (no decimals).
    Clp,
    /// Mexican peso (two decimals: amounts are in centavos).
    Mxn,
}

impl Currency {
    /// ISO 4217 code, upper case (`CLP`, `MXN`).
    pub fn code(self) -> &'static str {
        match self {
            Currency::Clp => "CLP",
            Currency::Mxn => "MXN",
        }
    }

    /// Digits after the decimal point in the major unit (CLP 0, MXN 2).
    pub fn decimals(self) -> u32 {
        match self {
            Currency::Clp => 0,
            Currency::Mxn => 2,
        }
    }

    /// Formats `minor` units the way shoppers read them: `$12.990` (CLP: dots group
    /// thousands, no decimals), `$10.29` (MXN). Zero is allowed here (`$0`, an empty cart).
    pub fn format(self, minor: u64) -> String {
        let scale = 10u64.pow(self.decimals());
        let (whole, fraction) = (minor / scale, minor % scale);
        match self {
            Currency::Clp => {
                let digits = whole.to_string();
                let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
                for (i, c) in digits.chars().enumerate() {
                    if i > 0 && (digits.len() - i) % 3 == 0 {
                        grouped.push('.');
                    }
                    grouped.push(c);
                }
                format!("${grouped}")
            }
            Currency::Mxn => format!("${whole}.{fraction:02}"),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A currency code Fintoc payments do not accept.
///
/// ```
/// assert!("USD".parse::<fintoc_wasm::Currency>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a currency Fintoc payments accept (CLP or MXN)")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;
    /// Case-insensitive (`CLP`, `clp`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "CLP" => Ok(Currency::Clp),
            "MXN" => Ok(Currency::Mxn),
            _ => Err(UnknownCurrency(s.to_owned())),
        }
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// Why an amount is invalid.
///
/// ```
/// use fintoc_wasm::{Amount, Currency};
/// use fintoc_wasm::money::AmountError;
/// assert!(matches!(Amount::from_major("1.5", Currency::Clp), Err(AmountError::TooPrecise { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Zero (Fintoc requires amount > 0).
    #[error("the amount must be greater than zero")]
    Zero,
    /// More decimals than the currency has (e.g. CLP 10.5).
    #[error("{currency} has {decimals} decimals; `{given}` has more")]
    TooPrecise {
        /// The currency.
        currency: Currency,
        /// Its decimals.
        decimals: u32,
        /// What was given.
        given: String,
    },
    /// Not a non-negative decimal number.
    #[error("`{0}` is not an amount (expected digits, optionally with a `.` and decimals)")]
    Invalid(String),
    /// Too large to represent.
    #[error("the amount is too large")]
    TooLarge,
}

/// A positive amount in a currency's smallest unit.
///
/// ```
/// use fintoc_wasm::{Amount, Currency};
///
/// let coffee = Amount::new(5_000, Currency::Clp)?;        // $5.000
/// assert_eq!(coffee.to_string(), "$5.000 CLP");
/// let tacos = Amount::from_major("10.29", Currency::Mxn)?; // 1029 centavos
/// assert_eq!(tacos.minor_units(), 1029);
/// assert_eq!(tacos.to_string(), "$10.29 MXN");
/// assert!(Amount::new(0, Currency::Clp).is_err());
/// assert!(Amount::from_major("10.5", Currency::Clp).is_err());
/// # Ok::<(), fintoc_wasm::money::AmountError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Amount {
    #[serde(rename = "amount")]
    minor: u64,
    currency: Currency,
}

impl Amount {
    /// `minor` units of `currency` (CLP pesos, MXN centavos).
    ///
    /// # Errors
    /// [`AmountError::Zero`].
    pub fn new(minor: u64, currency: Currency) -> Result<Self, AmountError> {
        if minor == 0 {
            return Err(AmountError::Zero);
        }
        Ok(Amount { minor, currency })
    }

    /// Parses a major-unit amount: `"5000"` CLP, `"10.29"` MXN (at most the currency's
    /// decimals; `"10.2"` MXN is 1020 centavos).
    ///
    /// # Errors
    /// [`AmountError`] for zero, malformed, too precise or too large amounts.
    pub fn from_major(text: &str, currency: Currency) -> Result<Self, AmountError> {
        let invalid = || AmountError::Invalid(text.to_owned());
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(fraction)) {
            return Err(invalid());
        }
        let decimals = currency.decimals();
        if fraction.len() > decimals as usize {
            return Err(AmountError::TooPrecise {
                currency,
                decimals,
                given: text.to_owned(),
            });
        }
        let scale = 10u64.pow(decimals);
        let whole: u64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
        let mut frac: u64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| invalid())?
        };
        for _ in fraction.len()..decimals as usize {
            frac *= 10;
        }
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(frac))
            .ok_or(AmountError::TooLarge)?;
        Amount::new(minor, currency)
    }

    /// The amount in the smallest unit (what Fintoc's `amount` field holds).
    pub fn minor_units(self) -> u64 {
        self.minor
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Amount {
    /// `$12.990 CLP`, `$10.29 MXN` (see [`Currency::format`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.currency.format(self.minor),
            self.currency.code()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_amount_table() {
        let ok = [
            ("5000", Currency::Clp, 5000),
            ("1", Currency::Clp, 1),
            ("10.29", Currency::Mxn, 1029),
            ("10.2", Currency::Mxn, 1020),
            ("10", Currency::Mxn, 1000),
            ("0.01", Currency::Mxn, 1),
        ];
        for (text, currency, minor) in ok {
            assert_eq!(
                Amount::from_major(text, currency).map(Amount::minor_units),
                Ok(minor),
                "{text} {currency}"
            );
        }
        let bad = [
            ("0", Currency::Clp, AmountError::Zero),
            ("0.00", Currency::Mxn, AmountError::Zero),
            (
                "10.5",
                Currency::Clp,
                AmountError::TooPrecise {
                    currency: Currency::Clp,
                    decimals: 0,
                    given: "10.5".into(),
                },
            ),
            (
                "1.001",
                Currency::Mxn,
                AmountError::TooPrecise {
                    currency: Currency::Mxn,
                    decimals: 2,
                    given: "1.001".into(),
                },
            ),
            ("-5", Currency::Clp, AmountError::Invalid("-5".into())),
            ("5.", Currency::Mxn, AmountError::Invalid("5.".into())),
            (".5", Currency::Mxn, AmountError::Invalid(".5".into())),
            ("", Currency::Clp, AmountError::Invalid("".into())),
            ("1e3", Currency::Clp, AmountError::Invalid("1e3".into())),
            ("99999999999999999999", Currency::Clp, AmountError::TooLarge),
            ("184467440737095517", Currency::Mxn, AmountError::TooLarge),
        ];
        for (text, currency, err) in bad {
            assert_eq!(
                Amount::from_major(text, currency),
                Err(err),
                "{text} {currency}"
            );
        }
    }

    #[test]
    fn display_and_serialization() {
        assert_eq!(
            Amount::new(12_990, Currency::Clp).unwrap().to_string(),
            "$12.990 CLP"
        );
        assert_eq!(
            Amount::new(1_234_567, Currency::Clp).unwrap().to_string(),
            "$1.234.567 CLP"
        );
        assert_eq!(
            Amount::new(5, Currency::Mxn).unwrap().to_string(),
            "$0.05 MXN"
        );
        let json = serde_json::to_string(&Amount::new(1029, Currency::Mxn).unwrap()).unwrap();
        assert_eq!(json, r#"{"amount":1029,"currency":"MXN"}"#);
        let c: Currency = serde_json::from_str(r#""clp""#).unwrap();
        assert_eq!(c, Currency::Clp);
        assert!(serde_json::from_str::<Currency>(r#""USD""#).is_err());
    }
}
