//! The database layer itself: both engines, one schema.

use maillage_core::testing::{TestDatabase, postgres_admin_url};
use maillage_core::{Db, Engine};

/// Tables and columns as `table.column` lines, sorted. SQLite's full-text tables (`*_fts*`) are
/// its own way to search; PostgreSQL uses an index instead, which is not a table.
async fn schema_of(db: &Db) -> Vec<String> {
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
             AND m.name NOT GLOB '*_fts*'"
        }
        Engine::Postgres => {
            "SELECT table_name || '.' || column_name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let mut columns: Vec<String> = sqlx::query_scalar(sql).fetch_all(db.pool()).await.unwrap();
    columns.sort();
    columns
}

#[tokio::test]
async fn both_migration_folders_give_the_same_tables() {
    let Some(_) = postgres_admin_url() else {
        eprintln!("no PostgreSQL in this run: the schema comparison runs when tests/run provides one");
        return;
    };
    let sqlite = TestDatabase::create_on(Engine::Sqlite).await;
    let postgres = TestDatabase::create_on(Engine::Postgres).await;
    let a = sqlite.context().await;
    let b = postgres.context().await;
    let (sqlite_schema, postgres_schema) = (schema_of(&a.db).await, schema_of(&b.db).await);
    assert!(sqlite_schema.len() > 20, "{sqlite_schema:?}");
    assert_eq!(sqlite_schema, postgres_schema);
}

#[tokio::test]
async fn migrations_are_idempotent_and_sqlite_uses_wal() {
    let test_db = TestDatabase::create().await;
    let hub = test_db.context().await;
    hub.db.migrate().await.unwrap();
    if hub.db.engine() == Engine::Sqlite {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(hub.db.pool()).await.unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(hub.db.pool()).await.unwrap();
        assert_eq!(fk, 1);
    }
}

#[tokio::test]
async fn unreachable_database_is_a_clear_error() {
    let err = Db::connect("postgres://maillage:secret@127.0.0.1:1/nothing", 1).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("cannot connect to the database at postgres://maillage:***@127.0.0.1:1/nothing"),
        "{text}"
    );
    assert!(!text.contains("secret"));
    let err = Db::connect("mysql://x/y", 1).await.unwrap_err();
    assert!(err.to_string().contains("unsupported database URL"), "{err}");
}
