//! Password hashing with argon2id (OWASP-recommended defaults: 19 MiB, 2 passes).
//!
//! Hashing runs on two dedicated threads rather than the async runtime's blocking pool, and each
//! thread reuses one 19 MiB work area. Allocating it per hash left the allocator holding ~60 MiB
//! per thread that had ever hashed (90 MiB resident after five logins, measured); now memory is
//! bounded by 2 × 19 MiB, and a login flood can take at most two cores' worth of hashing.

use super::ServiceError;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Mutex, OnceLock, mpsc};
use tokio::sync::oneshot;

const WORKERS: usize = 2;

enum Job {
    Hash(String, oneshot::Sender<Result<String, String>>),
    Verify(String, String, oneshot::Sender<bool>),
}

fn queue() -> &'static Mutex<mpsc::Sender<Job>> {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("jianfu-argon2-{i}"))
                .spawn(move || {
                    // Allocated on first use and kept: the thread's one work area.
                    let mut memory: Vec<Block> = Vec::new();
                    loop {
                        let job = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        match job {
                            Job::Hash(pw, reply) => {
                                let _ = reply.send(hash_now(&pw, &mut memory));
                            }
                            Job::Verify(pw, hash, reply) => {
                                let _ = reply.send(verify_now(&pw, &hash, &mut memory));
                            }
                        }
                    }
                })
                .expect("can start the password hashing threads");
        }
        Mutex::new(tx)
    })
}

fn submit(job: Job) {
    let _ = queue().lock().unwrap_or_else(|e| e.into_inner()).send(job);
}

/// Runs argon2 in the reusable work area, growing it only if `params` need more.
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), String> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
        .map_err(|e| e.to_string())
}

fn hash_now(password: &str, memory: &mut Vec<Block>) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let params = Params::default();
    let mut out = [0u8; 32];
    argon2_into(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        &salt,
        &mut out,
        memory,
    )?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let out = Output::new(&out).map_err(|e| e.to_string())?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str(),
        out
    ))
}

fn verify_now(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = Version::try_from(parsed.version.unwrap_or(0x13)).ok()?;
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        argon2_into(algorithm, version, params, password, salt, &mut out, memory).ok()?;
        // Output's equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

pub async fn hash(password: &str) -> Result<String, ServiceError> {
    let (tx, rx) = oneshot::channel();
    submit(Job::Hash(password.to_string(), tx));
    rx.await
        .map_err(|_| ServiceError::Internal("password hashing thread stopped".into()))?
        .map_err(ServiceError::Internal)
}

pub async fn verify(password: &str, hash: &str) -> bool {
    let (tx, rx) = oneshot::channel();
    submit(Job::Verify(password.to_string(), hash.to_string(), tx));
    rx.await.unwrap_or(false)
}

/// Verifies against a fixed hash when the account does not exist, so the answer takes as long as
/// for a real account.
pub async fn verify_dummy(password: &str) {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let dummy = DUMMY
        .get_or_init(|| async { hash("jianfu-dummy-password").await.unwrap_or_default() })
        .await;
    verify(password, dummy).await;
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = super::hash("Jianfu@2026").await.unwrap();
        let b = super::hash("Jianfu@2026").await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(super::verify("Jianfu@2026", &a).await);
        assert!(!super::verify("jianfu@2026", &a).await);
        assert!(!super::verify("Jianfu@2026", "not a hash").await);
        // Hashes made by the argon2 crate's own PasswordHasher verify too (and vice versa).
        use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = argon2::Argon2::default()
            .hash_password(b"Jianfu@2026", &salt)
            .unwrap()
            .to_string();
        assert!(super::verify("Jianfu@2026", &theirs).await);
        let parsed = argon2::password_hash::PasswordHash::new(&a).unwrap();
        assert!(
            argon2::Argon2::default()
                .verify_password(b"Jianfu@2026", &parsed)
                .is_ok()
        );
    }
}
