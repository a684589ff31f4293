//! The hub's HTTP application: state, router, middleware and the server loop.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use maillage_core::{Config, Context};
use maillage_federation::Federation;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::render::Renderer;

/// Largest request body we read (forms and JSON); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach: the hub's context, its federation side and the page renderer.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Context,
    pub fed: Federation,
    pub renderer: Arc<Renderer>,
}

impl AppState {
    pub fn new(ctx: Context) -> AppState {
        AppState { fed: Federation::new(ctx.clone()), ctx, renderer: Arc::new(Renderer::new()) }
    }
}

/// The whole application: pages, API, static files, health.
pub fn router(state: AppState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("permissions-policy"), "interest-cohort=()"),
    ];
    let mut app = Router::new()
        .merge(crate::web::routes())
        .merge(crate::api::routes())
        .merge(crate::activitypub::routes())
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        // Files: the largest upload plus room for the form's other fields.
        .merge(
            crate::web::upload_routes()
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(RequestBodyLimitLayer::new(crate::web::MAX_UPLOAD_BYTES as usize + 64 * 1024)),
        )
        .fallback(crate::web::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), crate::web::error_pages))
        .layer(middleware::from_fn_with_state(state.clone(), crate::web::csrf::ensure_cookie))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http());
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    app.with_state(state)
}

/// A hub listening on a socket, with its federation workers, as tests and `serve_forever` start it.
pub struct RunningHub {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningHub {
    /// Stops accepting connections, waits for requests in flight, and stops the workers (what
    /// they had claimed is claimed again by the next worker: nothing is lost).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Serves the hub on `listener` and runs its delivery and inbox workers until `stop` is called.
pub async fn serve(ctx: Context, listener: TcpListener) -> std::io::Result<RunningHub> {
    let addr = listener.local_addr()?;
    let state = AppState::new(ctx);
    // A fresh hub gets the library's vocabularies (admins' additions are kept).
    if let Err(e) = maillage_resources::vocabulary::seed(&state.ctx.db).await {
        tracing::error!(error = %e, "library vocabularies not seeded");
    }
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut server_stopped = stopped.clone();
    let server = tokio::spawn(async move {
        let shutdown = async move {
            let _ = server_stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    let delivery = tokio::spawn(maillage_federation::delivery::run_worker(state.fed.clone(), stopped.clone()));
    let inbox = tokio::spawn(maillage_federation::inbox::run_worker(state.fed.clone(), stopped.clone()));
    let housekeeping = tokio::spawn(maillage_federation::instances::run_housekeeping(state.fed.clone(), stopped));
    Ok(RunningHub { addr, state, stop, tasks: vec![server, delivery, inbox, housekeeping] })
}

/// `maillage serve`: runs until SIGTERM or Ctrl-C, then finishes requests in flight.
pub async fn serve_forever(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    let public_url = config.public_url.to_string();
    let ctx = Context::open(config).await?;
    let listener = TcpListener::bind(bind).await.map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    let hub = serve(ctx.clone(), listener).await?;
    tracing::info!(%bind, %public_url, "Maillage is running");
    shutdown_signal().await;
    tracing::info!("shutting down");
    hub.stop().await;
    ctx.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
