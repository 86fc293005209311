//! Personal data at rest: ID numbers, certificate texts, verification codes and the uploaded
//! materials (scans of ID cards and household registers) are encrypted with
//! AES-256-GCM under the data key, a 32-byte file kept beside the database (never in it), so a
//! copied database or export alone reveals no ID number. 《个人信息保护法》第五十一条 (encryption as
//! a protective measure); GB/T 22239-2019 8.1.4.8 (confidentiality of important data in storage).

use super::{App, ServiceError, key_file};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

const PREFIX: &str = "v1:";
/// How an encrypted material begins. No PDF, JPEG or PNG begins so, which tells rows stored in
/// plaintext before materials were encrypted (they are encrypted once at start-up).
pub const MATERIAL_MAGIC: &[u8; 4] = b"JFE1";
/// How the key file is named in messages.
const WHAT: &str = "数据密钥";

/// The data key, loaded once per process.
pub struct DataKey {
    cipher: Aes256Gcm,
}

impl DataKey {
    pub fn from_bytes(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Reads the key file; `None` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<Self>, String> {
        Ok(key_file::read(path, WHAT)?.map(|k| Self::from_bytes(&k)))
    }

    /// Creates a new random key file (mode 0600). If another process created it meanwhile,
    /// that one is used.
    pub fn create(path: &Path) -> Result<Self, String> {
        Ok(Self::from_bytes(&key_file::create(path, WHAT)?))
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag); a fresh random nonce each time.
    pub fn encrypt(&self, plain: &str) -> Result<String, ServiceError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| ServiceError::Internal("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Binary content (scans of ID cards and household registers): [`MATERIAL_MAGIC`] + nonce ‖
    /// ciphertext ‖ tag, a fresh random nonce each time.
    pub fn encrypt_bytes(&self, plain: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain)
            .map_err(|_| ServiceError::Internal("encryption failed".into()))?;
        let mut out = Vec::with_capacity(MATERIAL_MAGIC.len() + 12 + ct.len());
        out.extend_from_slice(MATERIAL_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The content of [`DataKey::encrypt_bytes`], or an error when it was not made with this key.
    pub fn decrypt_bytes(&self, stored: &[u8]) -> Result<Vec<u8>, ServiceError> {
        let undecodable = || {
            ServiceError::Internal("a stored material does not decrypt with the data key".into())
        };
        let raw = stored
            .strip_prefix(MATERIAL_MAGIC)
            .filter(|r| r.len() > 12)
            .ok_or_else(undecodable)?;
        let (nonce, ct) = raw.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| undecodable())
    }

    /// The plain text, or an error when the value was not made with this key (wrong key file,
    /// or altered in the database).
    pub fn decrypt(&self, stored: &str) -> Result<String, ServiceError> {
        let undecodable = || {
            ServiceError::Internal("stored personal data does not decrypt with the data key".into())
        };
        let raw = stored
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() > 12)
            .ok_or_else(undecodable)?;
        let (nonce, ct) = raw.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| undecodable())?;
        String::from_utf8(plain).map_err(|_| undecodable())
    }
}

/// The lazily loaded key of one `App` (tests give each app its own data directory).
#[derive(Default)]
pub struct DataKeyCell(OnceLock<Arc<DataKey>>);

impl App {
    pub fn data_key_path(&self) -> PathBuf {
        self.config
            .data_key_file
            .clone()
            .unwrap_or_else(|| self.config.data_dir.join("keys").join("data.key"))
    }

    /// The data key. It is created on first use of a new installation only: once the database
    /// holds data encrypted under a key (recorded by a check value in `meta`), a missing or
    /// different key file is an error, never silently replaced, or the old data could never be
    /// decrypted again.
    pub async fn data_key(&self) -> Result<Arc<DataKey>, ServiceError> {
        if let Some(k) = self.data_key.0.get() {
            return Ok(k.clone());
        }
        let path = self.data_key_path();
        let check = self.store.get_meta(KEY_CHECK).await?;
        let key = match (
            DataKey::load(&path).map_err(ServiceError::Unavailable)?,
            check,
        ) {
            (Some(key), Some(check)) => {
                if key.decrypt(&check).ok().as_deref() != Some(KEY_CHECK_TEXT) {
                    return Err(ServiceError::Unavailable(format!(
                        "数据密钥文件 {} 与数据库中已加密的个人信息不符（拷错了 keys/ 目录，或配置项 data_key_file 指错了文件）。请换回原来的密钥文件。",
                        path.display()
                    )));
                }
                key
            }
            (Some(key), None) => {
                self.record_key_check(&key).await?;
                key
            }
            (None, None) => {
                let key = DataKey::create(&path).map_err(ServiceError::Unavailable)?;
                tracing::info!(path = %path.display(), "created the data key for personal data");
                self.record_key_check(&key).await?;
                key
            }
            (None, Some(_)) => {
                return Err(ServiceError::Unavailable(format!(
                    "数据密钥文件 {} 不存在，但数据库里已有用它加密的个人信息。请从备份恢复 keys/data.key（或用配置项 data_key_file 指向它）；不会自动生成新密钥，否则旧数据再也无法解密。",
                    path.display()
                )));
            }
        };
        Ok(self.data_key.0.get_or_init(|| Arc::new(key)).clone())
    }

    async fn record_key_check(&self, key: &DataKey) -> Result<(), ServiceError> {
        let audit = self.audit(
            &super::Actor::console(),
            &super::RequestMeta::console(),
            "pii.key_check",
            format!("meta:{KEY_CHECK}"),
        );
        self.store
            .set_meta(KEY_CHECK, &key.encrypt(KEY_CHECK_TEXT)?, audit)
            .await?;
        Ok(())
    }
}

/// A value encrypted under the data key in `meta`, to recognise the right key later.
const KEY_CHECK: &str = "data_key_check";
const KEY_CHECK_TEXT: &str = "jianfu data key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fresh_nonces() {
        let k = DataKey::from_bytes(&[7; 32]);
        let a = k.encrypt("110101199003071234").unwrap();
        let b = k.encrypt("110101199003071234").unwrap();
        assert_ne!(a, b, "same plain text, different ciphertexts");
        assert!(!a.contains("1101011990"));
        assert_eq!(k.decrypt(&a).unwrap(), "110101199003071234");
    }

    #[test]
    fn wrong_key_or_altered_value_is_an_error_not_garbage() {
        let k = DataKey::from_bytes(&[7; 32]);
        let other = DataKey::from_bytes(&[8; 32]);
        let a = k.encrypt("secret").unwrap();
        assert!(other.decrypt(&a).is_err());
        let mut altered = a.clone();
        altered.pop();
        altered.push(if a.ends_with('A') { 'B' } else { 'A' });
        assert!(k.decrypt(&altered).is_err());
        assert!(k.decrypt("plain").is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("jianfu-key-{}", std::process::id()));
        let path = dir.join("keys").join("data.key");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(DataKey::load(&path).unwrap().is_none());
        let a = DataKey::create(&path).unwrap();
        let b = DataKey::load(&path).unwrap().unwrap();
        assert_eq!(b.decrypt(&a.encrypt("x").unwrap()).unwrap(), "x");
        // A second creator finds the first one's key rather than overwriting it.
        let c = DataKey::create(&path).unwrap();
        assert_eq!(c.decrypt(&a.encrypt("y").unwrap()).unwrap(), "y");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(DataKey::load(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
