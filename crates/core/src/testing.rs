//! Test support: a fresh, migrated database per test, on the engine the test run names.
//!
//! `MAILLAGE_TEST_DATABASE=postgres` with `MAILLAGE_TEST_POSTGRES_URL` (a server where we may
//! create databases) runs the suite on PostgreSQL; anything else runs it on SQLite files in a
//! temporary directory. `tests/run` runs the whole suite once per engine.

use std::path::PathBuf;

use crate::{Config, Context, Db, Engine};

/// The engine this test run uses.
pub fn engine() -> Engine {
    match std::env::var("MAILLAGE_TEST_DATABASE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

/// The PostgreSQL server to create test databases on, when the run has one.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("MAILLAGE_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// A database that exists for one test. SQLite files are removed on drop; PostgreSQL databases
/// live in the throwaway cluster of the test run (or are cleared by `tests/run` at its start).
pub struct TestDatabase {
    pub url: String,
    sqlite_dir: Option<PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn unique_name() -> String {
    format!("maillage_t_{}", crate::token::random_token().to_lowercase().replace(['-', '_'], "")[..16].to_owned())
}

impl TestDatabase {
    /// Creates an empty database on this run's engine.
    pub async fn create() -> TestDatabase {
        TestDatabase::create_on(engine()).await
    }

    /// Creates an empty database on the given engine (panics if the run has no PostgreSQL).
    pub async fn create_on(engine: Engine) -> TestDatabase {
        let name = unique_name();
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join("maillage-tests").join(&name);
                std::fs::create_dir_all(&dir).expect("temporary directory");
                TestDatabase { url: format!("sqlite://{}", dir.join("hub.db").display()), sqlite_dir: Some(dir) }
            }
            Engine::Postgres => {
                let admin_url = postgres_admin_url().expect("MAILLAGE_TEST_POSTGRES_URL is not set");
                let admin = Db::connect(&admin_url, 1).await.expect("connect to the test PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await
                    .expect("create test database");
                admin.close().await;
                let mut url = url::Url::parse(&admin_url).expect("valid PostgreSQL URL");
                url.set_path(&name);
                TestDatabase { url: url.to_string(), sqlite_dir: None }
            }
        }
    }

    /// A hub configuration on this database, with private addresses allowed for federation.
    pub fn config(&self) -> Config {
        let mut config = Config {
            database_url: self.url.clone(),
            database_max_connections: 5,
            federation_allow_private: true,
            ..Config::default()
        };
        if let Some(dir) = &self.sqlite_dir {
            config.data_dir = dir.clone();
        } else {
            config.data_dir = std::env::temp_dir().join("maillage-tests").join(unique_name());
        }
        config
    }

    /// A migrated context on this database.
    pub async fn context(&self) -> Context {
        Context::open(self.config()).await.expect("open test hub")
    }
}
