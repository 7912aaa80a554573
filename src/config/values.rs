//! What a setting's value can be: how it is read from the text of a
//! variable or a flag, and how its default is documented.

use crate::domain::Secret;
use std::path::PathBuf;

/// Reads one value from the text of a variable or a flag; on failure, what
/// was expected ("a number of workers").
pub type Reader<T> = fn(&str) -> Result<T, &'static str>;

/// What a setting's value type must offer: how its default is written in the
/// documentation, and whether its value may be echoed in an error.
pub trait Value {
    const SECRET: bool = false;
    fn doc(&self) -> String;
}

impl Value for String {
    fn doc(&self) -> String {
        self.clone()
    }
}

impl Value for PathBuf {
    fn doc(&self) -> String {
        self.display().to_string()
    }
}

impl Value for Secret {
    const SECRET: bool = true;
    fn doc(&self) -> String {
        "<redacted>".into()
    }
}

impl Value for bool {
    fn doc(&self) -> String {
        self.to_string()
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn doc(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
numbers!(u32, u64, usize);

impl Value for crate::logs::LogFormat {
    fn doc(&self) -> String {
        self.as_str().to_owned()
    }
}

impl Value for Vec<String> {
    fn doc(&self) -> String {
        format!("{self:?}")
    }
}

impl Value for Vec<Secret> {
    const SECRET: bool = true;
    fn doc(&self) -> String {
        String::new()
    }
}

impl Value for Vec<super::TrustedIssuerEntry> {
    fn doc(&self) -> String {
        String::new()
    }
}

pub fn text(value: &str) -> Result<String, &'static str> {
    Ok(value.to_owned())
}

pub fn path(value: &str) -> Result<PathBuf, &'static str> {
    Ok(PathBuf::from(value))
}

pub fn secret(value: &str) -> Result<Secret, &'static str> {
    Ok(Secret::new(value))
}

pub fn boolean(value: &str) -> Result<bool, &'static str> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("true or false"),
    }
}

pub fn log_format(value: &str) -> Result<crate::logs::LogFormat, &'static str> {
    crate::logs::LogFormat::parse(value).ok_or("text or json")
}

/// A comma-separated list; blanks around items and empty items dropped.
pub fn list(value: &str) -> Result<Vec<String>, &'static str> {
    Ok(value
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A comma-separated list of secrets, as [`list`] reads it.
pub fn secret_list(value: &str) -> Result<Vec<Secret>, &'static str> {
    list(value).map(|items| items.into_iter().map(Secret::new).collect())
}

/// For settings of the file only.
pub fn file_only<T>(_: &str) -> Result<T, &'static str> {
    Err("settable in the configuration file only")
}

/// A number, or what it should have been.
macro_rules! number {
    ($expected:literal) => {
        |text: &str| text.trim().parse().map_err(|_| $expected)
    };
}
pub(crate) use number;
