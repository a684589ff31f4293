//! The `maillage` binary itself: configuration errors, user creation, migrations, shutdown.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use maillage_core::testing::TestDatabase;

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn maillage(database: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_maillage"));
    let data_dir = std::env::temp_dir().join("maillage-tests").join(format!("cli-{}", std::process::id()));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MAILLAGE_DATABASE_URL", &database.url)
        .env("MAILLAGE_DATA_DIR", data_dir)
        .current_dir(std::env::temp_dir());
    command
}

#[tokio::test]
async fn a_malformed_config_value_names_its_key_and_exits_2() {
    let database = TestDatabase::create().await;
    let output = maillage(&database).args(["config", "check"]).env("MAILLAGE_BIND", "everywhere").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MAILLAGE_BIND: 'everywhere' is not an address and port"), "{stderr}");

    let file = std::env::temp_dir().join(format!("maillage-bad-{}.toml", std::process::id()));
    std::fs::write(&file, "public_url = \"not a url\"\nbnid = 1\n").unwrap();
    let output = maillage(&database).args(["--config", file.to_str().unwrap(), "config", "check"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bnid"), "{stderr}");
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn config_check_prints_the_effective_configuration_with_secrets_masked() {
    let database = TestDatabase::create().await;
    let output = maillage(&database)
        .args(["config", "check"])
        .env("MAILLAGE_DATABASE_URL", "postgres://hub:hunter2@db.example/maillage")
        .env("MAILLAGE_PUBLIC_URL", "https://hub.example.org")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("public_url = \"https://hub.example.org/\""), "{stdout}");
    assert!(stdout.contains("postgres://hub:***@db.example/maillage") && !stdout.contains("hunter2"), "{stdout}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_not_a_panic() {
    let database = TestDatabase::create().await;
    let output = maillage(&database)
        .arg("migrate")
        .env("MAILLAGE_DATABASE_URL", "postgres://maillage:pw@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect to the database at postgres://maillage:***@127.0.0.1:1/none"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn user_create_makes_an_admin_who_can_sign_in() {
    let database = TestDatabase::create().await;
    let mut child = maillage(&database)
        .args(["user", "create", "Aline", "--admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created admin 'aline'"));

    let ctx = database.context().await;
    let user =
        maillage_core::accounts::authenticate(&ctx.db, "aline", "a long enough password", "cli-test").await.unwrap();
    assert_eq!(user.role, maillage_core::accounts::Role::Admin);

    // Without --password-stdin a password is generated and shown once.
    let output = maillage(&database).args(["user", "create", "bruno"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let password = stdout.lines().find_map(|l| l.strip_prefix("Password: ")).expect("password printed").to_owned();
    maillage_core::accounts::authenticate(&ctx.db, "bruno", &password, "cli-test").await.unwrap();

    // A taken name is refused with the reason.
    let output = maillage(&database).args(["user", "create", "bruno"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("username: This username is already taken."));
}

#[tokio::test]
async fn serve_answers_then_stops_cleanly_on_sigterm() {
    let database = TestDatabase::create().await;
    let port = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    maillage_federation::install_crypto_provider();
    let child = maillage(&database)
        .arg("serve")
        .env("MAILLAGE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed if the test fails, so no server outlives it.
    let mut guard = KillOnDrop(child);
    let child = &mut guard.0;
    let started = Instant::now();
    let health = loop {
        match reqwest::get(format!("http://127.0.0.1:{port}/health")).await {
            Ok(response) => break response,
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("hub did not start: {e}"),
        }
    };
    assert_eq!(health.text().await.unwrap(), "ok");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let waited = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(20), "did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn federation_inspect_explains_a_document_and_status_shows_the_queue() {
    let database = TestDatabase::create().await;
    let file = std::env::temp_dir().join(format!("maillage-follow-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"id": "https://m.example/f/1", "type": "Follow", "actor": "https://m.example/users/a", "object": "https://hub.example/u/alice"}"#).unwrap();
    let output = maillage(&database).args(["federation", "inspect", file.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("type: Follow") && stdout.contains("accepted: if the object is one of our actors"),
        "{stdout}"
    );

    std::fs::write(&file, r#"{"id": "https://m.example/c/1", "type": "Create", "actor": "https://m.example/users/a", "object": {"id": "https://evil.example/n/1", "type": "Note"}}"#).unwrap();
    let output = maillage(&database).args(["federation", "inspect", file.to_str().unwrap()]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("refused: bad document: Create of https://evil.example/n/1")
    );
    let _ = std::fs::remove_file(file);

    let output = maillage(&database).args(["federation", "status"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("waiting:") && stdout.contains("Known servers: 0"), "{stdout}");
}

#[tokio::test]
async fn resources_export_and_import_from_the_command_line() {
    let database = TestDatabase::create().await;
    let dir = std::env::temp_dir().join(format!("maillage-cli-export-{}", std::process::id()));
    let output = maillage(&database).args(["resources", "export", dir.to_str().unwrap()]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Exported 0 resource(s)"));
    assert!(dir.join("library.json").exists());

    let output =
        maillage(&database).args(["resources", "import", dir.to_str().unwrap(), "--as", "nobody"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no member named nobody"));

    let mut create = maillage(&database)
        .args(["user", "create", "camille", "--admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    assert!(create.wait().unwrap().success());
    let output =
        maillage(&database).args(["resources", "import", dir.to_str().unwrap(), "--as", "camille"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Imported 0 resource(s)"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
