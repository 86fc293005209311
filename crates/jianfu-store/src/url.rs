//! The database URL. Its `Debug` and `Display` hide the password, so it can be logged and shown
//! in error messages safely.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

impl DatabaseUrl {
    /// Parses `sqlite:PATH`, `sqlite://PATH` or `postgres://…`/`postgresql://…`.
    pub fn parse(s: &str) -> Result<Self, crate::StoreError> {
        let s = s.trim();
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(crate::StoreError::BadUrl("sqlite: 后缺少文件路径".into()));
            }
            Ok(Self::Sqlite {
                path: PathBuf::from(path),
            })
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Self::Postgres { url: s.to_string() })
        } else {
            Err(crate::StoreError::BadUrl(format!(
                "不支持的数据库地址“{}”：应以 sqlite: 或 postgres:// 开头",
                mask(s)
            )))
        }
    }

    /// The default embedded database inside the data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::Sqlite {
            path: data_dir.join("jianfu.db"),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Replaces the password in `scheme://user:password@host` with `***`.
fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    // The last '@' anywhere: a password may itself contain '/', '?' or '@'. Masking too much is
    // safe; masking too little is not.
    match (rest.rfind('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "sqlite:{}", path.display()),
            Self::Postgres { url } => f.write_str(&mask(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_shows() {
        let u =
            DatabaseUrl::parse("postgres://jianfu:s3cret@db.example:5432/jianfu?sslmode=disable")
                .unwrap();
        assert_eq!(
            u.to_string(),
            "postgres://jianfu:***@db.example:5432/jianfu?sslmode=disable"
        );
        assert!(!format!("{u:?}").contains("s3cret"));
        let odd = DatabaseUrl::parse("postgres://jianfu:Sec/re?t@12@127.0.0.1:1/jianfu").unwrap();
        assert_eq!(odd.to_string(), "postgres://jianfu:***@127.0.0.1:1/jianfu");
        let no_pw = DatabaseUrl::parse("postgres://postgres@127.0.0.1/test").unwrap();
        assert_eq!(no_pw.to_string(), "postgres://postgres@127.0.0.1/test");
    }

    #[test]
    fn sqlite_forms_and_bad_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:./x/jianfu.db").unwrap(),
            DatabaseUrl::Sqlite {
                path: "./x/jianfu.db".into()
            }
        );
        assert!(
            DatabaseUrl::parse("mysql://root:pw@h/db")
                .unwrap_err()
                .to_string()
                .contains("***")
        );
        assert!(DatabaseUrl::parse("sqlite:").is_err());
    }
}
