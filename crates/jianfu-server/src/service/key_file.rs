//! The two secret key files (the data key for personal data, the district's seal signing key):
//! 32 random bytes, owner-readable only (0600), created once and never overwritten. Back them up
//! apart from the database.

use std::path::Path;

/// The key in the file; `Ok(None)` when there is no file. `what` names it in messages.
pub fn read(path: &Path, what: &str) -> Result<Option<[u8; 32]>, String> {
    match std::fs::read(path) {
        Ok(bytes) => bytes.as_slice().try_into().map(Some).map_err(|_| {
            format!(
                "{what}文件 {} 长度不是 32 字节，可能已损坏；请从备份恢复",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("无法读取{what}文件 {}：{e}", path.display())),
    }
}

/// A new random key, written to a new file. If another process created the file meanwhile, its
/// key is returned instead (never two keys).
pub fn create(path: &Path, what: &str) -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| format!("无法生成随机密钥：{e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("无法创建目录 {}：{e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return read(path, what)?
                .ok_or_else(|| format!("{what}文件 {} 消失了", path.display()));
        }
        Err(e) => return Err(format!("无法创建{what}文件 {}：{e}", path.display())),
    };
    std::io::Write::write_all(&mut f, &key)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("无法写入{what}文件 {}：{e}", path.display()))?;
    Ok(key)
}
