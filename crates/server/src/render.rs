//! Page rendering with minijinja. Templates are embedded; `t("key", name=value)` translates.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind, State, Value};

use crate::i18n::Lang;

/// Embeds templates from `frontend/templates`, so the binary runs from any directory. The
/// paths are resolved in this checkout at compile time (a build script writing absolute paths
/// into a shared target directory would embed another checkout's files).
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../frontend/templates/", $name)))),*]
    };
}

/// Every template, by file name (a test checks that the folder holds no other).
pub const TEMPLATES: &[(&str, &str)] = templates![
    "about.html",
    "admin.html",
    "admin_federation.html",
    "admin_forum.html",
    "admin_forum_category.html",
    "admin_hub.html",
    "admin_invitations.html",
    "admin_members.html",
    "admin_registrations.html",
    "delete_account.html",
    "error.html",
    "event.html",
    "event_form.html",
    "event_registrations.html",
    "events.html",
    "events_day.html",
    "events_macros.html",
    "events_month.html",
    "forms.html",
    "forum.html",
    "forum_edit.html",
    "forum_follow.html",
    "forum_list.html",
    "forum_macros.html",
    "forum_new.html",
    "forum_report.html",
    "forum_search.html",
    "forum_topic.html",
    "home.html",
    "layout.html",
    "login.html",
    "members.html",
    "moderation.html",
    "network.html",
    "notification_settings.html",
    "notifications.html",
    "profile.html",
    "resource.html",
    "resource_form.html",
    "resource_versions.html",
    "resources.html",
    "resources_macros.html",
    "settings.html",
    "signup.html",
    "signup_pending.html",
];

/// The template environment of one server (built once at start-up).
pub struct Renderer {
    env: Environment<'static>,
}

/// Translates `key` in the language the template was rendered with, filling `{name}` slots.
fn translate(state: &State, key: &str, args: Kwargs) -> Result<String, Error> {
    let lang = state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::parse)).unwrap_or(Lang::Fr);
    let Some(text) = lang.lookup(key) else {
        return Err(Error::new(ErrorKind::UndefinedError, format!("no '{key}' in the {} catalogue", lang.code())));
    };
    let mut out = text.to_owned();
    for name in args.args() {
        let value: Value = args.get(name)?;
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    Ok(out)
}

/// Formats milliseconds since the epoch as a date (`22/11/2026` or `2026-11-22`).
fn date(state: &State, ms: i64) -> String {
    let when = maillage_core::time::to_datetime(ms);
    match state.lookup("lang").as_ref().and_then(|v| v.as_str()) {
        Some("en") => when.format("%Y-%m-%d").to_string(),
        _ => when.format("%d/%m/%Y").to_string(),
    }
}

impl Renderer {
    pub fn new() -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", translate);
        env.add_filter("date", date);
        Renderer { env }
    }

    /// Renders `template` with `context`.
    pub fn render(&self, template: &str, context: Value) -> Result<String, Error> {
        self.env.get_template(template)?.render(context)
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}
