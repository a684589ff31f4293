//! The one value that carries a hub's configuration and database to every use case.
//!
//! No globals: three hubs can run in one test process, each with its own context.

use std::sync::Arc;

use crate::db::DbError;
use crate::{Config, Db};

/// A running hub's shared state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Context {
    pub config: Arc<Config>,
    pub db: Db,
}

impl Context {
    /// Connects to the configured database and applies pending migrations.
    pub async fn open(config: Config) -> Result<Context, DbError> {
        let db = Db::connect(&config.database_url, config.database_max_connections).await?;
        db.migrate().await?;
        Ok(Context { config: Arc::new(config), db })
    }
}
