//! The machinery behind [`super::settings`]: one `settings!` declaration per
//! setting becomes the file layer (`Layer`, its keys the field names), the
//! environment reader, the merge, the defaults, the command-line flags and
//! the table that docs/configuration.md shows.

pub use super::values::{Reader, Value};

/// One setting as the documentation and `--help` describe it.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The file key (and the field of `Layer`).
    pub key: &'static str,
    pub variable: Option<&'static str>,
    pub flag: Option<&'static str>,
    /// As the documentation writes it: a value in backticks, or a sentence.
    pub default: String,
    pub meaning: &'static str,
}

/// How a default is declared: a value the setting takes, or a sentence for
/// a default that resolution computes ("one per CPU").
pub enum Fallback<T> {
    Value(T),
    Computed(&'static str),
    Nothing,
}

/// A default value.
pub fn value<T, V: Into<T>>(v: V) -> Fallback<T> {
    Fallback::Value(v.into())
}

/// A default that [`super::Layer::resolve`] computes, as the documentation says it.
pub fn computed<T>(text: &'static str) -> Fallback<T> {
    Fallback::Computed(text)
}

/// No default: the setting is off or empty unless given.
pub fn nothing<T>() -> Fallback<T> {
    Fallback::Nothing
}

/// How the documentation writes a default.
pub fn doc_of<T: Value>(fallback: Fallback<T>) -> String {
    match fallback {
        Fallback::Value(v) => format!("`{}`", v.doc()),
        Fallback::Computed(text) => text.to_owned(),
        Fallback::Nothing => String::new(),
    }
}

/// The default value, if the default is one.
pub fn value_of<T>(fallback: Fallback<T>) -> Option<T> {
    match fallback {
        Fallback::Value(v) => Some(v),
        _ => None,
    }
}

/// A reader as a clap value parser, whose message reads "… not a number of
/// workers".
pub fn parser<T: Clone + Send + Sync + 'static>(
    read: Reader<T>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text| read(text).map_err(|expected| format!("not {expected}"))
}

/// The `--help` line of a flag: the first sentence of its meaning as plain
/// text, its default and its variable.
pub fn help(meaning: &str, default: String, variable: Option<&str>) -> String {
    let mut text = plain(meaning.split(". ").next().unwrap_or(meaning));
    if !default.is_empty() {
        text.push_str(&format!(" [default: {}]", default.replace('`', "")));
    }
    if let Some(variable) = variable {
        text.push_str(&format!("; also {variable}"));
    }
    text.push('.');
    text
}

/// Markdown as plain text: no backticks, links as their text, a capital.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        match after.find("](").zip(after.find(')')) {
            Some((middle, close)) if middle < close => {
                out.push_str(&after[1..middle]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    let out = out.replace('`', "");
    let mut chars = out.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The table of docs/configuration.md.
pub fn table(settings: &[Setting]) -> String {
    let mut out =
        String::from("| file key | variable | flag | default | meaning |\n|---|---|---|---|---|\n");
    let code = |text: Option<&str>| text.map(|t| format!("`{t}`")).unwrap_or_default();
    for s in settings {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            s.key,
            code(s.variable),
            code(s.flag.map(|f| format!("--{f}")).as_deref()),
            s.default,
            s.meaning
        ));
    }
    out
}

/// Declares every setting once. Each entry names its type, file key (the
/// field), variable, flag (`serve(..)`: `commid serve` only; `store(..)`:
/// every command that opens the store; `none`), default, reader and the
/// meaning that `--help` and the documentation show.
macro_rules! settings {
    // A flag of `serve` only.
    (@munch [$($all:tt)*] [$($serve:tt)*] [$($store:tt)*]
        $name:ident : $ty:ty {
            env: $env:expr, flag: serve($long:literal, $vn:literal),
            default: $def:expr, read: $read:expr, meaning: $meaning:literal $(,)?
        } $(, $($rest:tt)*)?
    ) => {
        $crate::config::declare::settings!(@munch
            [$($all)* ($name : $ty, $env, Some($long), $def, $read, $meaning)]
            [$($serve)* (
                #[arg(long = $long, value_name = $vn,
                    help = $crate::config::declare::help($meaning, $crate::config::declare::doc_of::<$ty>($def), $env),
                    value_parser = $crate::config::declare::parser::<$ty>($read))]
                $name : $ty
            )]
            [$($store)*]
            $($($rest)*)?);
    };
    // A switch of `serve` only: `--http` means true.
    (@munch [$($all:tt)*] [$($serve:tt)*] [$($store:tt)*]
        $name:ident : $ty:ty {
            env: $env:expr, flag: switch($long:literal),
            default: $def:expr, read: $read:expr, meaning: $meaning:literal $(,)?
        } $(, $($rest:tt)*)?
    ) => {
        $crate::config::declare::settings!(@munch
            [$($all)* ($name : $ty, $env, Some($long), $def, $read, $meaning)]
            [$($serve)* (
                #[arg(long = $long, num_args = 0..=1, require_equals = true,
                    default_missing_value = "true",
                    help = $crate::config::declare::help($meaning, $crate::config::declare::doc_of::<$ty>($def), $env),
                    value_parser = $crate::config::declare::parser::<$ty>($read))]
                $name : $ty
            )]
            [$($store)*]
            $($($rest)*)?);
    };
    // A flag of every command that opens the store, `serve` included.
    (@munch [$($all:tt)*] [$($serve:tt)*] [$($store:tt)*]
        $name:ident : $ty:ty {
            env: $env:expr, flag: store($long:literal, $vn:literal),
            default: $def:expr, read: $read:expr, meaning: $meaning:literal $(,)?
        } $(, $($rest:tt)*)?
    ) => {
        $crate::config::declare::settings!(@munch
            [$($all)* ($name : $ty, $env, Some($long), $def, $read, $meaning)]
            [$($serve)*]
            [$($store)* (
                #[arg(long = $long, value_name = $vn,
                    help = $crate::config::declare::help($meaning, $crate::config::declare::doc_of::<$ty>($def), $env),
                    value_parser = $crate::config::declare::parser::<$ty>($read))]
                $name : $ty
            )]
            $($($rest)*)?);
    };
    // No flag.
    (@munch [$($all:tt)*] [$($serve:tt)*] [$($store:tt)*]
        $name:ident : $ty:ty {
            env: $env:expr, flag: none,
            default: $def:expr, read: $read:expr, meaning: $meaning:literal $(,)?
        } $(, $($rest:tt)*)?
    ) => {
        $crate::config::declare::settings!(@munch
            [$($all)* ($name : $ty, $env, None, $def, $read, $meaning)]
            [$($serve)*]
            [$($store)*]
            $($($rest)*)?);
    };

    (@munch
        [$(($name:ident : $ty:ty, $env:expr, $flag:expr, $def:expr, $read:expr, $meaning:literal))*]
        [$(($(#[$smeta:meta])* $sname:ident : $sty:ty))*]
        [$(($(#[$tmeta:meta])* $tname:ident : $tty:ty))*]
    ) => {
        /// One source's settings (the file, the environment or the flags);
        /// every field optional, the file's keys are the field names.
        #[derive(Debug, Default, Clone, serde::Deserialize, PartialEq)]
        #[serde(deny_unknown_fields)]
        pub struct Layer {
            $(pub $name: Option<$ty>,)*
        }

        impl Layer {
            /// `over`'s values win where it has them.
            pub fn merge(self, over: Layer) -> Layer {
                Layer { $($name: over.$name.or(self.$name),)* }
            }

            /// The declared defaults that are values (a computed default is
            /// left to [`Layer::resolve`]).
            pub fn defaults() -> Layer {
                Layer { $($name: $crate::config::declare::value_of::<$ty>($def),)* }
            }

            /// The `COMMID_*` variables, read through `var` so tests need
            /// not touch the process environment.
            pub fn from_env(
                var: impl Fn(&str) -> Option<String>,
            ) -> Result<Layer, $crate::config::ConfigError> {
                use $crate::config::declare::Value;
                let mut layer = Layer::default();
                $(
                    let variable: Option<&'static str> = $env;
                    if let Some(name) = variable {
                        if let Some(text) = var(name) {
                            let read: $crate::config::declare::Reader<$ty> = $read;
                            layer.$name = Some(read(&text).map_err(|expected| {
                                let shown = if <$ty as Value>::SECRET { "<redacted>" } else { text.as_str() };
                                $crate::config::ConfigError::Invalid(
                                    format!("{name}='{shown}' is not {expected}."))
                            })?);
                        }
                    }
                )*
                Ok(layer)
            }
        }

        /// Every setting, in the order declared.
        pub fn all() -> Vec<$crate::config::declare::Setting> {
            vec![$($crate::config::declare::Setting {
                key: stringify!($name),
                variable: $env,
                flag: $flag,
                default: $crate::config::declare::doc_of::<$ty>($def),
                meaning: $meaning,
            },)*]
        }

        /// The flags of `commid serve` that are not [`StoreFlags`].
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct ServeFlags {
            $($(#[$smeta])* $sname: Option<$sty>,)*
        }

        impl ServeFlags {
            pub fn layer(self) -> Layer {
                Layer { $($sname: self.$sname,)* ..Layer::default() }
            }
        }

        /// The flags of every command that opens the store.
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct StoreFlags {
            $($(#[$tmeta])* $tname: Option<$tty>,)*
        }

        impl StoreFlags {
            pub fn layer(self) -> Layer {
                Layer { $($tname: self.$tname,)* ..Layer::default() }
            }
        }
    };

    // The entry, last so that it never takes the `@munch` rules' input.
    ($($body:tt)*) => { $crate::config::declare::settings!(@munch [] [] [] $($body)*); };
}
pub(super) use settings;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lines_are_the_first_sentence_in_plain_text_with_default_and_variable() {
        let line = help(
            "the `postgres://` URL (see [PostgreSQL](#postgresql)). More.",
            "`16`".into(),
            Some("COMMID_X"),
        );
        assert_eq!(
            line,
            "The postgres:// URL (see PostgreSQL) [default: 16]; also COMMID_X."
        );
    }
}
