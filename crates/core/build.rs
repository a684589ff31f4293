//! `sqlx::migrate!` embeds the migration folders at compile time; rebuild when they change
//! (a new migration file alone would otherwise not be noticed).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
    println!("cargo:rerun-if-changed=../../migrations/postgres");
}
