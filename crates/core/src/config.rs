//! The hub's configuration: one optional TOML file, then `MAILLAGE_*` environment overrides.
//!
//! Every setting has a default that starts a working hub on one machine with SQLite. Loading
//! never panics: every invalid value is reported with the key it came from, all at once.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

/// The effective configuration of one hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    pub bind: SocketAddr,
    /// The address people and peers reach the hub at; ActivityPub ids are built from it.
    pub public_url: Url,
    /// Where the hub keeps its files (the SQLite database by default, uploads).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Largest pool of database connections this process opens.
    pub database_max_connections: u32,
    /// Whether federation may reach private and loopback addresses (tests, local development).
    pub federation_allow_private: bool,
    /// Whether to federate only with servers an admin has allowed (closed networks of hubs).
    pub federation_allowlist_only: bool,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// `tracing` filter, e.g. `info` or `maillage=debug`.
    pub log: String,
}

/// One reason a configuration value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The key as the admin writes it (`bind` in the file, `MAILLAGE_BIND` in the environment).
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Everything that is wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigIssue>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The file as written: every key optional, unknown keys refused (a typo should not pass silently).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    public_url: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    federation_allow_private: Option<bool>,
    federation_allowlist_only: Option<bool>,
    trust_forwarded_for: Option<bool>,
    log: Option<String>,
}

/// The environment variables we read, with the file key each one overrides.
const ENV_KEYS: &[(&str, &str)] = &[
    ("MAILLAGE_BIND", "bind"),
    ("MAILLAGE_PUBLIC_URL", "public_url"),
    ("MAILLAGE_DATA_DIR", "data_dir"),
    ("MAILLAGE_DATABASE_URL", "database_url"),
    ("MAILLAGE_DATABASE_MAX_CONNECTIONS", "database_max_connections"),
    ("MAILLAGE_FEDERATION_ALLOW_PRIVATE", "federation_allow_private"),
    ("MAILLAGE_FEDERATION_ALLOWLIST_ONLY", "federation_allowlist_only"),
    ("MAILLAGE_TRUST_FORWARDED_FOR", "trust_forwarded_for"),
    ("MAILLAGE_LOG", "log"),
];

/// Default name of the configuration file, read from the working directory when present.
pub const DEFAULT_CONFIG_FILE: &str = "maillage.toml";

impl Default for Config {
    fn default() -> Self {
        let data_dir = PathBuf::from("./data");
        Config {
            bind: "127.0.0.1:8080".parse().expect("valid literal"),
            public_url: Url::parse("http://localhost:8080").expect("valid literal"),
            database_url: sqlite_url_in(&data_dir),
            data_dir,
            database_max_connections: 8,
            federation_allow_private: false,
            federation_allowlist_only: false,
            trust_forwarded_for: false,
            log: "info".to_owned(),
        }
    }
}

fn sqlite_url_in(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("maillage.db").display())
}

impl Config {
    /// Loads the configuration: `file` if given (it must exist), else `maillage.toml` if present,
    /// then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigErrors> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let text = match file {
            Some(path) => Some(read_file(path)?),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => Some(read_file(Path::new(DEFAULT_CONFIG_FILE))?),
            None => None,
        };
        Config::from_sources(text.as_deref(), &env)
    }

    /// Builds a configuration from the file's text (if any) and environment pairs.
    pub fn from_sources(file_text: Option<&str>, env: &[(String, String)]) -> Result<Config, ConfigErrors> {
        let mut issues = Vec::new();
        let file: FileConfig = match file_text {
            Some(text) => toml::from_str(text).unwrap_or_else(|e| {
                issues.push(ConfigIssue { key: "maillage.toml".into(), message: e.message().to_owned() });
                FileConfig::default()
            }),
            None => FileConfig::default(),
        };

        // Raw values as (key shown in errors, text), the environment winning over the file.
        let mut raw: Vec<(&str, Option<(String, String)>)> = vec![
            ("bind", file.bind.map(|v| ("bind".into(), v))),
            ("public_url", file.public_url.map(|v| ("public_url".into(), v))),
            ("data_dir", file.data_dir.map(|v| ("data_dir".into(), v))),
            ("database_url", file.database_url.map(|v| ("database_url".into(), v))),
            (
                "database_max_connections",
                file.database_max_connections.map(|v| ("database_max_connections".into(), v.to_string())),
            ),
            (
                "federation_allow_private",
                file.federation_allow_private.map(|v| ("federation_allow_private".into(), v.to_string())),
            ),
            (
                "federation_allowlist_only",
                file.federation_allowlist_only.map(|v| ("federation_allowlist_only".into(), v.to_string())),
            ),
            ("trust_forwarded_for", file.trust_forwarded_for.map(|v| ("trust_forwarded_for".into(), v.to_string()))),
            ("log", file.log.map(|v| ("log".into(), v))),
        ];
        for (env_key, file_key) in ENV_KEYS {
            if let Some((_, value)) = env.iter().find(|(k, _)| k == env_key)
                && let Some(slot) = raw.iter_mut().find(|(k, _)| k == file_key)
            {
                slot.1 = Some(((*env_key).to_owned(), value.clone()));
            }
        }
        let get = |key: &str| raw.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.clone());

        let mut config = Config::default();
        if let Some((key, value)) = get("bind") {
            match value.trim().parse::<SocketAddr>() {
                Ok(addr) => config.bind = addr,
                Err(_) => {
                    issues.push(issue(key, format!("'{value}' is not an address and port, such as 127.0.0.1:8080")))
                }
            }
        }
        if let Some((key, value)) = get("public_url") {
            match parse_public_url(&value) {
                Ok(url) => config.public_url = url,
                Err(message) => issues.push(issue(key, message)),
            }
        }
        if let Some((key, value)) = get("data_dir") {
            if value.trim().is_empty() {
                issues.push(issue(key, "must not be empty".into()));
            } else {
                config.data_dir = PathBuf::from(value.trim());
                config.database_url = sqlite_url_in(&config.data_dir);
            }
        }
        if let Some((key, value)) = get("database_url") {
            let value = value.trim();
            if value.starts_with("sqlite:") || value.starts_with("postgres://") || value.starts_with("postgresql://") {
                config.database_url = value.to_owned();
            } else {
                issues.push(issue(
                    key,
                    format!("'{}' must start with sqlite:// or postgres://", mask_database_url(value)),
                ));
            }
        }
        if let Some((key, value)) = get("database_max_connections") {
            match value.trim().parse::<u32>() {
                Ok(n) if (1..=512).contains(&n) => config.database_max_connections = n,
                _ => issues.push(issue(key, format!("'{value}' must be a number from 1 to 512"))),
            }
        }
        for (name, slot) in [
            ("federation_allow_private", &mut config.federation_allow_private),
            ("federation_allowlist_only", &mut config.federation_allowlist_only),
            ("trust_forwarded_for", &mut config.trust_forwarded_for),
        ] {
            if let Some((key, value)) = get(name) {
                match value.trim() {
                    "true" | "1" | "yes" => *slot = true,
                    "false" | "0" | "no" => *slot = false,
                    _ => issues.push(issue(key, format!("'{value}' must be true or false"))),
                }
            }
        }
        if let Some((_, value)) = get("log") {
            config.log = value;
        }

        if issues.is_empty() { Ok(config) } else { Err(ConfigErrors(issues)) }
    }

    /// The effective configuration as TOML, with the database password masked.
    pub fn to_masked_toml(&self) -> String {
        format!(
            "bind = \"{}\"\npublic_url = \"{}\"\ndata_dir = \"{}\"\ndatabase_url = \"{}\"\n\
             database_max_connections = {}\nfederation_allow_private = {}\n\
             federation_allowlist_only = {}\ntrust_forwarded_for = {}\nlog = \"{}\"\n",
            self.bind,
            self.public_url,
            self.data_dir.display(),
            mask_database_url(&self.database_url),
            self.database_max_connections,
            self.federation_allow_private,
            self.federation_allowlist_only,
            self.trust_forwarded_for,
            self.log,
        )
    }

    /// The host (and port, when not the default) that names this hub in handles and ids.
    pub fn domain(&self) -> String {
        let host = self.public_url.host_str().unwrap_or("localhost");
        match self.public_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// Whether the hub is served over HTTPS (then cookies are marked `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// An absolute URL on this hub for `path` (which starts with `/`).
    pub fn url_for(&self, path: &str) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

fn issue(key: String, message: String) -> ConfigIssue {
    ConfigIssue { key, message }
}

fn read_file(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![issue(path.display().to_string(), format!("cannot read the configuration file: {e}"))])
    })
}

fn parse_public_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim())
        .map_err(|e| format!("'{value}' is not a URL ({e}); write it like https://hub.example.org"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("'{value}' must start with https:// (or http:// for local tests)"));
    }
    if url.host_str().is_none() {
        return Err(format!("'{value}' has no host name"));
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(format!("'{value}' must be the site's root, without a path (a hub cannot live under a sub-path)"));
    }
    Ok(url)
}

/// Hides the password of a database URL: `postgres://user:***@host/db`.
pub fn mask_database_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn defaults_start_a_local_sqlite_hub() {
        let config = Config::from_sources(None, &[]).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url.as_str(), "http://localhost:8080/");
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert_eq!(config.database_url, "sqlite://./data/maillage.db");
        assert!(!config.federation_allow_private);
        assert_eq!(config.domain(), "localhost:8080");
    }

    #[test]
    fn environment_overrides_file() {
        let file = "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/hub\"\n";
        let config = Config::from_sources(
            Some(file),
            &env(&[("MAILLAGE_BIND", "127.0.0.1:7000"), ("MAILLAGE_PUBLIC_URL", "https://hub.example.org")]),
        )
        .unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(config.database_url, "sqlite:///srv/hub/maillage.db");
        assert!(config.is_https());
        assert_eq!(config.domain(), "hub.example.org");
        assert_eq!(config.url_for("/u/alice"), "https://hub.example.org/u/alice");
    }

    #[test]
    fn every_bad_value_is_reported_with_its_key() {
        let err = Config::from_sources(
            Some("public_url = \"ftp://x\"\n"),
            &env(&[
                ("MAILLAGE_BIND", "nowhere"),
                ("MAILLAGE_DATABASE_URL", "mysql://root:secret@db/x"),
                ("MAILLAGE_FEDERATION_ALLOW_PRIVATE", "perhaps"),
            ]),
        )
        .unwrap_err();
        let keys: Vec<_> = err.0.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["MAILLAGE_BIND", "public_url", "MAILLAGE_DATABASE_URL", "MAILLAGE_FEDERATION_ALLOW_PRIVATE"]);
        assert!(!err.to_string().contains("secret"), "passwords never printed: {err}");
    }

    #[test]
    fn unknown_file_key_is_refused() {
        let err = Config::from_sources(Some("bnid = \"x\"\n"), &[]).unwrap_err();
        assert!(err.to_string().contains("bnid"), "{err}");
    }

    #[test]
    fn database_password_is_masked() {
        let config =
            Config::from_sources(None, &env(&[("MAILLAGE_DATABASE_URL", "postgres://hub:s3cret@db.local/maillage")]))
                .unwrap();
        let shown = config.to_masked_toml();
        assert!(shown.contains("postgres://hub:***@db.local/maillage"), "{shown}");
        assert!(!shown.contains("s3cret"));
    }
}
