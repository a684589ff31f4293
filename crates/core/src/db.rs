//! The database: one `AnyPool` that speaks SQLite (the embedded default) or PostgreSQL.
//!
//! Why `Any`: every query is written once, with `$1` placeholders, and runs on both engines, so no
//! feature can quietly become one engine's only. The schema lives in two migration folders
//! (`migrations/sqlite`, `migrations/postgres`) that a test keeps identical in tables and columns.
//! Rules that keep queries portable: times are BIGINT milliseconds, ids BIGINT, JSON is TEXT,
//! flags are TEXT or INTEGER (never BOOLEAN), case-insensitive search goes through folded columns.

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

/// Which engine a pool talks to, for the rare query that must differ (full-text search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connected database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

/// Why the database could not be opened; the URL inside is already masked.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://USER@HOST/DB")]
    Unsupported(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot connect to the database at {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

fn install_drivers() {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
}

impl Db {
    /// Opens a pool. SQLite files and their directory are created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        install_drivers();
        let masked = crate::config::mask_database_url(url);
        let (engine, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Engine::Postgres, url.to_owned())
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            (Engine::Sqlite, sqlite_url(rest)?)
        } else {
            return Err(DbError::Unsupported(masked));
        };
        let options =
            AnyConnectOptions::from_str(&url).map_err(|source| DbError::Connect { url: masked.clone(), source })?;
        // One direct attempt first: the pool would retry a refused connection until its timeout,
        // and an admin with a wrong URL deserves the error at once.
        sqlx::AnyConnection::connect_with(&options)
            .await
            .map_err(|source| DbError::Connect { url: masked.clone(), source })?
            .close()
            .await?;
        let mut pool_options =
            AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(15));
        if engine == Engine::Sqlite {
            pool_options = pool_options.after_connect(|conn, _| {
                Box::pin(async move {
                    // Foreign keys are off by default in SQLite; a busy timeout lets concurrent
                    // writers wait instead of failing with "database is locked".
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool =
            pool_options.connect_with(options).await.map_err(|source| DbError::Connect { url: masked, source })?;
        if engine == Engine::Sqlite {
            // WAL lets readers work while one writer writes; it is a property of the file.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Db { pool, engine })
    }

    /// Applies the migrations this engine has not seen yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Checks that the database answers (health checks).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool).await.map(|_| ())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes every connection (graceful shutdown, tests).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://PATH[?query]` with the file's directory created and `mode=rwc` so the file is too.
fn sqlite_url(rest: &str) -> Result<String, DbError> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(DbError::Unsupported(format!(
            "sqlite:{rest} (an in-memory database would lose everything on restart)"
        )));
    }
    if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbError::DataDir { path: dir.display().to_string(), source })?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}
