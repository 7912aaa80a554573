use super::Invalid;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A moment in microseconds since the Unix epoch, UTC: what the store keeps
/// and what `expiresOn` / `lastTokenIssuedAt` are written from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Timestamp((now.unix_timestamp_nanos() / 1_000) as i64)
    }

    pub fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    pub fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds.saturating_mul(1_000_000))
    }

    pub fn micros(&self) -> i64 {
        self.0
    }

    pub fn unix_seconds(&self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// An RFC 3339 date-time (`2026-12-01T10:00:00Z`, any offset, up to nine
    /// fractional digits), as a query parameter names it.
    pub fn parse(text: &str, parameter: &'static str) -> Result<Self, Invalid> {
        let dt = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| {
            Invalid::new(
                format!(
                    "{parameter} '{}' is not an RFC 3339 date-time, for example 2026-12-01T10:00:00Z.",
                    super::quote(text)
                ),
                parameter,
            )
        })?;
        Ok(Timestamp((dt.unix_timestamp_nanos() / 1_000) as i64))
    }

    /// The live service's form: seven fractional digits and `+00:00`,
    /// e.g. `2023-10-10T21:39:39.3244584+00:00`.
    pub fn to_acs_string(&self) -> String {
        let secs = self.0.div_euclid(1_000_000);
        let (year, month, day) = civil_date(secs.div_euclid(86_400));
        if !(0..=9999).contains(&year) {
            return self.acs_string_by_calendar();
        }
        let second_of_day = secs.rem_euclid(86_400);
        let mut text = String::with_capacity(33);
        let fields = [
            (year, 4, "-"),
            (month, 2, "-"),
            (day, 2, "T"),
            (second_of_day / 3600, 2, ":"),
            (second_of_day / 60 % 60, 2, ":"),
            (second_of_day % 60, 2, "."),
            (self.0.rem_euclid(1_000_000), 6, "0+00:00"),
        ];
        for (value, width, after) in fields {
            let mut digits = [b'0'; 6];
            let mut rest = value;
            for d in digits[..width].iter_mut().rev() {
                *d = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            text.push_str(std::str::from_utf8(&digits[..width]).expect("ASCII digits"));
            text.push_str(after);
        }
        text
    }

    /// [`Self::to_acs_string`] through the `time` crate's calendar: for
    /// years outside 0–9999, and to check the fast path against.
    fn acs_string_by_calendar(&self) -> String {
        let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let micros = self.0.rem_euclid(1_000_000);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}0+00:00",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            micros
        )
    }
}

/// Year, month and day of the proleptic Gregorian calendar, `days` after
/// 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_acs_form_is_what_the_calendar_says_for_any_instant() {
        let mut micros: i64 = -62_135_596_800_000_000; // 0001-01-01
        let end: i64 = 253_402_300_799_999_999; // 9999-12-31T23:59:59.999999
        while micros < end {
            let t = Timestamp(micros);
            assert_eq!(t.to_acs_string(), t.acs_string_by_calendar(), "{micros}");
            // Steps that fall on every day, month and leap year in turn.
            micros += 86_400_000_000 * 17 + 3_601_000_123;
        }
        for micros in [0, -1, 1, 951_782_400_000_000, 4_107_542_399_999_999, end] {
            let t = Timestamp(micros);
            assert_eq!(t.to_acs_string(), t.acs_string_by_calendar(), "{micros}");
        }
    }

    #[test]
    fn rfc3339_date_times_with_any_offset_are_read_and_others_refused() {
        let t = Timestamp::parse("2023-10-10T23:39:39.324458+02:00", "createdAfter").unwrap();
        assert_eq!(t.to_acs_string(), "2023-10-10T21:39:39.3244580+00:00");
        assert_eq!(
            Timestamp::parse(&t.to_acs_string(), "x").unwrap(),
            t,
            "what commid writes reads back"
        );
        let err = Timestamp::parse("yesterday", "createdAfter").unwrap_err();
        assert_eq!(err.target, Some("createdAfter"));
        assert!(
            err.message
                .contains("'yesterday' is not an RFC 3339 date-time")
        );
    }

    #[test]
    fn acs_strings_have_seven_fractional_digits_and_an_offset() {
        let t = Timestamp::from_micros(1_696_973_979_324_458);
        assert_eq!(t.to_acs_string(), "2023-10-10T21:39:39.3244580+00:00");
        assert_eq!(
            Timestamp::from_unix_seconds(1_665_390_869).to_acs_string(),
            "2022-10-10T08:34:29.0000000+00:00"
        );
    }
}
