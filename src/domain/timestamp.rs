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

#[cfg(test)]
mod tests {
    use super::*;

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
