use super::*;

const ROW: Place<'static> = Place {
    table: "resources",
    column: "primary_key",
    row: "7f7c8a3e-0000-4000-8000-000000000001",
};

fn key() -> (EncryptionKey, Secret) {
    EncryptionKey::generate()
}

fn vault_of(texts: &[&Secret]) -> Vault {
    Vault::new(
        texts
            .iter()
            .map(|t| EncryptionKey::parse(t.expose()).unwrap())
            .collect(),
    )
    .unwrap()
}

#[test]
fn a_sealed_value_opens_to_its_plaintext_and_shows_none_of_it() {
    let (_, text) = key();
    let vault = vault_of(&[&text]);
    let sealed = vault.seal(ROW, "the access key").unwrap();
    let id = vault.sealing_key().unwrap();
    assert!(sealed.starts_with(&format!("sealed:v1:{id}:")), "{sealed}");
    assert!(!sealed.contains("access"));
    assert_eq!(vault.open(ROW, &sealed).unwrap().expose(), "the access key");
    assert_eq!(inspect(&sealed), Ok(Stored::Sealed(id)));
    assert!(vault.is_current(&sealed));
}

#[test]
fn sealing_twice_gives_two_values_a_fresh_nonce_each() {
    let (_, text) = key();
    let vault = vault_of(&[&text]);
    assert_ne!(vault.seal(ROW, "x").unwrap(), vault.seal(ROW, "x").unwrap());
}

#[test]
fn a_changed_byte_anywhere_in_the_payload_is_refused() {
    let (_, text) = key();
    let vault = vault_of(&[&text]);
    let sealed = vault.seal(ROW, "the access key").unwrap();
    let (header, payload) = sealed.rsplit_once(':').unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    for at in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        let tampered = format!("{header}:{}", URL_SAFE_NO_PAD.encode(&changed));
        assert_eq!(
            vault.open(ROW, &tampered),
            Err(VaultError::Forged(vault.sealing_key().unwrap())),
            "byte {at}"
        );
    }
    let cut = &sealed[..sealed.len() - 4];
    assert!(vault.open(ROW, cut).is_err());
}

#[test]
fn a_value_moved_to_another_row_column_or_table_does_not_open() {
    let (_, text) = key();
    let vault = vault_of(&[&text]);
    let sealed = vault.seal(ROW, "the access key").unwrap();
    for elsewhere in [
        Place {
            row: "another",
            ..ROW
        },
        Place {
            column: "secondary_key",
            ..ROW
        },
        Place {
            table: "signing_keys",
            ..ROW
        },
        // Parts that run into each other differently.
        Place {
            table: "resourcesprimary_key",
            column: "",
            ..ROW
        },
    ] {
        assert!(
            matches!(vault.open(elsewhere, &sealed), Err(VaultError::Forged(_))),
            "{elsewhere}"
        );
    }
}

#[test]
fn a_value_opens_with_any_configured_key_and_names_a_missing_one() {
    let (_, old) = key();
    let (_, new) = key();
    let sealed_old = vault_of(&[&old]).seal(ROW, "v").unwrap();
    let both = vault_of(&[&new, &old]);
    assert_eq!(both.open(ROW, &sealed_old).unwrap().expose(), "v");
    assert!(!both.is_current(&sealed_old), "the first key seals now");
    assert!(both.is_current(&both.seal(ROW, "v").unwrap()));
    let old_id = vault_of(&[&old]).sealing_key().unwrap();
    let new_only = vault_of(&[&new]);
    let err = new_only.open(ROW, &sealed_old).unwrap_err();
    assert_eq!(
        err,
        VaultError::MissingKey {
            key: old_id,
            configured: new_only.key_ids()
        }
    );
    let message = err.to_string();
    assert!(message.contains(&old_id.to_string()), "{message}");
    assert!(message.contains("COMMID_ENCRYPTION_KEYS"), "{message}");
    assert!(
        Vault::none()
            .open(ROW, &sealed_old)
            .unwrap_err()
            .to_string()
            .contains("no key is configured")
    );
}

#[test]
fn a_value_relabelled_with_another_configured_keys_id_is_refused() {
    let (_, one) = key();
    let (_, two) = key();
    let vault = vault_of(&[&one, &two]);
    let sealed = vault.seal(ROW, "v").unwrap();
    let [first, second] = [vault.key_ids()[0], vault.key_ids()[1]];
    let payload = sealed.strip_prefix(&format!("sealed:v1:{first}:")).unwrap();
    let relabelled = format!("sealed:v1:{second}:{payload}");
    assert_eq!(
        vault.open(ROW, &relabelled),
        Err(VaultError::Forged(second))
    );
}

#[test]
fn plaintext_opens_as_itself_and_is_kept_as_is_without_a_key() {
    let none = Vault::none();
    assert_eq!(none.sealing_key(), None);
    assert_eq!(none.seal(ROW, "abc=").unwrap(), "abc=");
    assert_eq!(none.open(ROW, "abc=").unwrap().expose(), "abc=");
    assert_eq!(
        inspect("-----BEGIN PRIVATE KEY-----"),
        Ok(Stored::Plaintext)
    );
    assert_eq!(none.seal(ROW, "sealed:x"), Err(VaultError::LooksSealed));
    let (_, text) = key();
    let vault = vault_of(&[&text]);
    assert_eq!(vault.open(ROW, "abc=").unwrap().expose(), "abc=");
    assert!(!vault.is_current("abc="));
}

#[test]
fn malformed_sealed_values_are_errors_not_plaintext() {
    for text in [
        "sealed:",
        "sealed:v1:0011aabb",
        "sealed:v2:0011aabb:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sealed:v1:zz:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sealed:v1:0011aabb:not base64!",
        "sealed:v1:0011aabb:AAAA",
    ] {
        assert!(
            matches!(inspect(text), Err(VaultError::Malformed(_))),
            "{text}"
        );
    }
}

#[test]
fn keys_are_32_bytes_of_base64_and_bad_ones_say_how_to_make_one() {
    let (generated, text) = EncryptionKey::generate();
    assert_eq!(text.expose().len(), 44);
    let parsed = EncryptionKey::parse(&format!(" {} \n", text.expose())).unwrap();
    assert_eq!(
        parsed.id(),
        generated.id(),
        "the id is derived from the key"
    );
    assert_eq!(parsed.id().to_string().len(), 8);
    assert_eq!(KeyId::parse(&parsed.id().to_string()), Some(parsed.id()));
    assert_eq!(
        EncryptionKey::parse("c2hvcnQ=").unwrap_err(),
        KeyInvalid::Length(5)
    );
    let err = EncryptionKey::parse("not base64!").unwrap_err();
    assert_eq!(err, KeyInvalid::NotBase64);
    assert!(err.to_string().contains("commid secrets generate-key"));
}

#[test]
fn keys_and_vaults_show_ids_only_when_formatted() {
    let (key, text) = EncryptionKey::generate();
    let vault = vault_of(&[&text]);
    for shown in [
        format!("{key:?}"),
        format!("{vault:?}"),
        format!("{text:?}"),
    ] {
        assert!(!shown.contains(text.expose()), "{shown}");
    }
    assert!(format!("{vault:?}").contains(&key.id().to_string()));
}

#[test]
fn a_key_listed_twice_is_refused() {
    let (_, text) = key();
    let twice = vec![
        EncryptionKey::parse(text.expose()).unwrap(),
        EncryptionKey::parse(text.expose()).unwrap(),
    ];
    assert!(matches!(
        Vault::new(twice),
        Err(VaultError::DuplicateKey(_))
    ));
}
