//! The key-encryption keys: `encryption_keys`, or one per line of the file
//! `encryption_keys_file`.

use super::{ConfigError, Layer};
use crate::domain::Secret;
use crate::vault::{EncryptionKey, HOW_TO_MAKE_ONE, Vault};
use std::path::Path;

impl Layer {
    /// The vault these settings configure; without keys, one that stores
    /// secrets in plaintext.
    pub fn vault(&self) -> Result<Vault, ConfigError> {
        let keys: Vec<(String, Secret)> = match (&self.encryption_keys, &self.encryption_keys_file)
        {
            (None, None) => return Ok(Vault::none()),
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid(
                    "give encryption_keys or encryption_keys_file, not both (COMMID_ENCRYPTION_KEYS \
                     or COMMID_ENCRYPTION_KEYS_FILE)."
                        .into(),
                ));
            }
            (Some(keys), None) => keys
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    (
                        format!("encryption key {} of encryption_keys", i + 1),
                        key.clone(),
                    )
                })
                .collect(),
            (None, Some(path)) => read_file(path)?,
        };
        if keys.is_empty() {
            let source = match &self.encryption_keys_file {
                Some(path) => format!("the encryption keys file {}", path.display()),
                None => "encryption_keys (COMMID_ENCRYPTION_KEYS)".into(),
            };
            return Err(ConfigError::Invalid(format!(
                "{source} holds no key: {HOW_TO_MAKE_ONE}, or leave the setting out to keep \
                 secrets in plaintext."
            )));
        }
        let parsed = keys
            .iter()
            .map(|(name, text)| {
                EncryptionKey::parse(text.expose())
                    .map_err(|e| ConfigError::Invalid(format!("{name} {e}.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Vault::new(parsed).map_err(|e| ConfigError::Invalid(format!("{e}: list each key once.")))
    }
}

/// The keys of a file, one per line, blank lines and `#` comments skipped,
/// each named by its line.
fn read_file(path: &Path) -> Result<Vec<(String, Secret)>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::Invalid(format!(
            "cannot read the encryption keys file {}: {e}.",
            path.display()
        ))
    })?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(i, line)| {
            (
                format!("the key on line {} of {}", i + 1, path.display()),
                Secret::new(line.trim()),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreFlags;
    use clap::Parser;

    fn key() -> (crate::vault::KeyId, String) {
        let (key, text) = EncryptionKey::generate();
        (key.id(), text.expose().to_owned())
    }

    #[test]
    fn keys_come_from_the_variable_the_file_or_a_file_flag_the_first_sealing() {
        let ((one, a), (two, b)) = (key(), key());
        let from_env =
            Layer::from_env(|name| (name == "COMMID_ENCRYPTION_KEYS").then(|| format!("{a}, {b}")))
                .unwrap();
        assert_eq!(from_env.vault().unwrap().key_ids(), vec![one, two]);
        let file: Layer = toml::from_str(&format!("encryption_keys = [\"{b}\"]")).unwrap();
        assert_eq!(file.resolve().unwrap().vault.key_ids(), vec![two]);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        std::fs::write(&path, format!("# the new key first\n{b}\n\n  {a}  \n")).unwrap();
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            store: StoreFlags,
        }
        let flags =
            Cli::try_parse_from(["commid", "--encryption-keys-file", path.to_str().unwrap()])
                .unwrap()
                .store
                .layer();
        assert_eq!(flags.vault().unwrap().key_ids(), vec![two, one]);
        assert_eq!(Layer::default().vault().unwrap().sealing_key(), None);
    }

    #[test]
    fn bad_keys_stop_the_start_saying_which_and_how_to_make_one_never_showing_them() {
        let (_, good) = key();
        let short = "c2hvcnQ=";
        for (layer, expected) in [
            (
                Layer::from_env(|n| {
                    (n == "COMMID_ENCRYPTION_KEYS").then(|| format!("{good},{short}"))
                })
                .unwrap(),
                "encryption key 2 of encryption_keys is 5 bytes long, not 32",
            ),
            (
                Layer::from_env(|n| (n == "COMMID_ENCRYPTION_KEYS").then(|| "not-base64!".into()))
                    .unwrap(),
                "encryption key 1 of encryption_keys is not base64",
            ),
            (
                Layer::from_env(|n| (n == "COMMID_ENCRYPTION_KEYS").then(String::new)).unwrap(),
                "holds no key",
            ),
            (
                Layer::from_env(|n| {
                    (n == "COMMID_ENCRYPTION_KEYS").then(|| format!("{good},{good}"))
                })
                .unwrap(),
                "is configured twice",
            ),
            (
                Layer {
                    encryption_keys: Some(vec![Secret::new(good.clone())]),
                    encryption_keys_file: Some("/k".into()),
                    ..Layer::default()
                },
                "not both",
            ),
            (
                Layer {
                    encryption_keys_file: Some("/no/such/keys".into()),
                    ..Layer::default()
                },
                "cannot read the encryption keys file /no/such/keys",
            ),
        ] {
            let shown = format!("{layer:?}");
            let message = layer.resolve().unwrap_err().to_string();
            assert!(message.contains(expected), "{message}");
            for text in [&message, &shown] {
                assert!(!text.contains(&good) && !text.contains(short), "{text}");
            }
            if expected.contains("base64") || expected.contains("bytes") {
                assert!(message.contains("commid secrets generate-key"), "{message}");
            }
        }
    }
}
