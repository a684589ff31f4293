//! The command line: `maillage [serve]`, `migrate`, `user create`, `federation status|inspect`,
//! `resources export|import`, `config check`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use maillage_core::accounts::{self, Role};
use maillage_core::config::ConfigErrors;
use maillage_core::{Config, Context, CoreError, Db};

#[derive(Debug, Parser)]
#[command(name = "maillage", version, about = "Maillage: a federated community platform for digital-inclusion hubs")]
struct Cli {
    /// Configuration file (default: ./maillage.toml when it exists).
    #[arg(long, short, global = true, env = "MAILLAGE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the hub (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Federation: queue health, and what the hub would do with a document.
    Federation {
        #[command(subcommand)]
        command: FederationCommand,
    },
    /// The library: export it to a directory, import one into this hub.
    Resources {
        #[command(subcommand)]
        command: ResourcesCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an active account. Without --password-stdin a password is generated and printed.
    Create {
        username: String,
        /// Give the account the admin role.
        #[arg(long, conflicts_with = "moderator")]
        admin: bool,
        /// Give the account the moderator role.
        #[arg(long)]
        moderator: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum FederationCommand {
    /// Show the delivery queue, the known servers and their health.
    Status,
    /// Read one ActivityPub document (activity, object, actor, collection, WebFinger or NodeInfo
    /// JSON, or an HTTP response holding one) and say what this hub would do with it. Touches
    /// neither the network nor the database.
    Inspect {
        /// The file to read (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ResourcesCommand {
    /// Write this hub's own resources (metadata and files) to a directory.
    Export {
        /// Created if needed; holds `library.json` and `files/`.
        dir: PathBuf,
    },
    /// Read an export into this hub, publishing each resource as a member. Running it again
    /// skips what it already brought.
    Import {
        dir: PathBuf,
        /// The member who publishes the imported resources.
        #[arg(long = "as", value_name = "USERNAME")]
        publisher: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets masked) or explain what is invalid.
    Check,
}

/// Exit code for an invalid configuration, as `sysexits`' EX_USAGE is too obscure for admins.
const EXIT_CONFIG: u8 = 2;

/// Parses the command line and runs it.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(errors) => return config_failure(&errors),
    };
    init_tracing(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => crate::app::serve_forever(config).await,
            Command::Migrate => migrate(config).await,
            Command::User { command: UserCommand::Create { username, admin, moderator, password_stdin } } => {
                let role = if admin {
                    Role::Admin
                } else if moderator {
                    Role::Moderator
                } else {
                    Role::Member
                };
                create_user(config, &username, role, password_stdin).await
            }
            Command::Federation { command: FederationCommand::Status } => federation_status(config).await,
            Command::Federation { command: FederationCommand::Inspect { file } } => inspect(&file),
            Command::Resources { command: ResourcesCommand::Export { dir } } => export_resources(config, &dir).await,
            Command::Resources { command: ResourcesCommand::Import { dir, publisher } } => {
                import_resources(config, &dir, &publisher).await
            }
            Command::Config { command: ConfigCommand::Check } => {
                println!("# Configuration is valid.\n{}", config.to_masked_toml());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn config_failure(errors: &ConfigErrors) -> ExitCode {
    eprintln!("The configuration is invalid:");
    for issue in &errors.0 {
        eprintln!("  - {issue}");
    }
    eprintln!("See docs/admin.md for every setting and its default.");
    ExitCode::from(EXIT_CONFIG)
}

fn init_tracing(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: in a journal they are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

fn inspect(file: &std::path::Path) -> anyhow::Result<()> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
    };
    let inspection = maillage_federation::inspect::inspect_text(&text);
    println!("{inspection}");
    if inspection.verdict.is_err() {
        anyhow::bail!("this hub would refuse this document");
    }
    Ok(())
}

async fn federation_status(config: Config) -> anyhow::Result<()> {
    let ctx = Context::open(config).await?;
    let fed = maillage_federation::Federation::new(ctx.clone());
    let queue = maillage_federation::delivery::queue_status(&fed).await?;
    println!("Delivery queue");
    println!("  waiting:            {}", queue.pending);
    println!("  being retried:      {}", queue.retrying);
    println!("  given up:           {}", queue.failed);
    println!("  delivered (24 h):   {}", queue.delivered_last_day);
    println!("  oldest waiting:     {} s", queue.oldest_pending_seconds);
    let instances = maillage_federation::instances::list(&fed).await?;
    println!("\nKnown servers: {}", instances.len());
    let now = maillage_core::time::now_ms();
    for i in instances {
        let health = if i.policy == "blocked" {
            "blocked".to_owned()
        } else if i.paused_until > now {
            format!("paused ({} failures in a row: {})", i.consecutive_failures, i.last_error)
        } else if i.consecutive_failures > 0 {
            format!("failing ({} in a row: {})", i.consecutive_failures, i.last_error)
        } else {
            "ok".to_owned()
        };
        let software = if i.software.is_empty() { "?".to_owned() } else { format!("{} {}", i.software, i.version) };
        println!("  {:<32} {:<20} {}", i.domain, software, health);
    }
    ctx.db.close().await;
    Ok(())
}

async fn export_resources(config: Config, dir: &std::path::Path) -> anyhow::Result<()> {
    let ctx = Context::open(config).await?;
    let count = crate::transfer::export(&ctx, dir).await?;
    ctx.db.close().await;
    println!("Exported {count} resource(s) to {}.", dir.display());
    Ok(())
}

async fn import_resources(config: Config, dir: &std::path::Path, publisher: &str) -> anyhow::Result<()> {
    let ctx = Context::open(config).await?;
    let user = accounts::user_by_username(&ctx.db, publisher)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no member named {publisher}"))?;
    let fed = maillage_federation::Federation::new(ctx.clone());
    maillage_resources::vocabulary::seed(&ctx.db).await?;
    // One line that redraws itself on a terminal; a line per tenth elsewhere (logs).
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |done: usize, total: usize| {
        let width = 30;
        let filled = (done * width).checked_div(total).unwrap_or(width);
        let bar = format!("[{}{}] {done}/{total}", "#".repeat(filled), "-".repeat(width - filled));
        if terminal {
            eprint!("\r{bar}");
        } else if total < 10 || done.is_multiple_of((total / 10).max(1)) || done == total {
            eprintln!("{bar}");
        }
    };
    let report = crate::transfer::import(&fed, &user, dir, progress).await?;
    if terminal {
        eprintln!();
    }
    ctx.db.close().await;
    println!(
        "Imported {} resource(s) and {} file(s); {} already there; {} vocabulary term(s) added.",
        report.resources, report.files, report.skipped, report.terms
    );
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url, 1).await?;
    db.migrate().await?;
    db.close().await;
    println!("Database is up to date.");
    Ok(())
}

async fn create_user(config: Config, username: &str, role: Role, password_stdin: bool) -> anyhow::Result<()> {
    let ctx = Context::open(config).await?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        maillage_core::token::random_token()[..20].to_owned()
    };
    match accounts::create_user(&ctx.db, username, &password, role).await {
        Ok(user) => {
            println!("Created {} '{}'.", user.role.as_str(), user.username);
            if !password_stdin {
                println!(
                    "Password: {password}\nSign in at {} and change it in your settings.",
                    ctx.config.url_for("/login")
                );
            }
            ctx.db.close().await;
            Ok(())
        }
        Err(CoreError::Invalid(fields)) => {
            let reasons: Vec<String> =
                fields.iter().map(|f| format!("{}: {}", f.field, crate::i18n::Lang::En.text(&f.code))).collect();
            anyhow::bail!("cannot create '{username}': {}", reasons.join("; "))
        }
        Err(e) => Err(e.into()),
    }
}
