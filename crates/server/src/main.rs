//! The `maillage` command: serve a hub, migrate its database, manage users, check configuration.

fn main() -> std::process::ExitCode {
    maillage_server::cli::run()
}
