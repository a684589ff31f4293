//! The dependency rule of docs/architecture.md, checked on the real workspace with `cargo metadata`.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Which of our crates each crate may depend on (normal and build dependencies).
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("maillage-core", &[][..]),
        ("maillage-forum", &["maillage-core"][..]),
        ("maillage-resources", &["maillage-core"][..]),
        ("maillage-events", &["maillage-core"][..]),
        // Federation translates between the wire and the feature crates' use cases.
        ("maillage-federation", &["maillage-core", "maillage-forum", "maillage-resources", "maillage-events"][..]),
        (
            "maillage-server",
            &["maillage-core", "maillage-federation", "maillage-forum", "maillage-resources", "maillage-events"][..],
        ),
    ])
}

#[test]
fn crates_depend_only_on_what_the_architecture_allows() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = allowed();
    let packages = metadata["packages"].as_array().unwrap();
    let mut seen = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap();
        assert!(name.starts_with("maillage-"), "crate {name} must be named maillage-<dir>");
        let allowed = rules
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in docs/architecture.md's table; add it there and here"));
        seen.push(name);
        for dependency in package["dependencies"].as_array().unwrap() {
            let dep = dependency["name"].as_str().unwrap();
            let is_dev = dependency["kind"].as_str() == Some("dev");
            if dep.starts_with("maillage-") && dep != name && !is_dev {
                assert!(allowed.contains(&dep), "{name} depends on {dep}, which the architecture forbids");
            }
        }
    }
    for required in [
        "maillage-core",
        "maillage-federation",
        "maillage-forum",
        "maillage-resources",
        "maillage-events",
        "maillage-server",
    ] {
        assert!(seen.contains(&required), "{required} is missing");
    }
}

#[test]
fn the_rule_is_written_in_the_architecture_document() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/architecture.md")).unwrap();
    assert!(doc.contains("Feature crates depend on `maillage-core` only"), "docs/architecture.md must state the rule");
}
