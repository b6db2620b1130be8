//! Webhooks over HTTPS: a test CA and server certificates made at test time (rcgen), a
//! loopback TLS receiver (tokio-rustls under axum on 127.0.0.1:0), and the connector trusting
//! the CA through `webhook.ca_file`, or not.
//!
//! - with `ca_file`, a delivery arrives signed and intact;
//! - without it, the receiver's certificate is refused (unknown issuer): the event stays in
//!   the outbox, is retried, and arrives once the node restarts with `ca_file`;
//! - a certificate that does not name the URL's host is refused even from a trusted CA;
//! - `config check` names `webhook.ca_file` when the file is missing or not PEM.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde_json::{Value, json};
use staffetta::config::{Settings, WebhookSettings};
use staffetta::connector::{Connectors, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use staffetta::secret::Secret;
use staffetta::store::Clock;
use staffetta_handoff::AgentId;
use staffetta_handoff::connector::{
    Author, ChatMessage, ConnectorError, Outbound, verify_webhook_signature,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::handoff::external::post_signed_command;
use crate::handoff::{ADMIN_TOKEN, add_operator};
use crate::support::binary::command as staffetta_command;
use crate::support::{TestApp, spawn_app_with, wait_for};

const SECRET: &str = "tls-webhook-test-secret";

/// A CA made for one test, and the server certificates it signs.
struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "Staffetta test contact-centre CA",
        );
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let key = rcgen::KeyPair::generate().unwrap();
        Self {
            issuer: rcgen::CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    /// Writes the CA certificate as PEM into `dir`; its path.
    fn write_pem(&self, dir: &Path) -> PathBuf {
        let path = dir.join("contact-centre-ca.pem");
        std::fs::write(&path, self.issuer.pem()).unwrap();
        path
    }

    /// A TLS server configuration with a certificate for `names` (DNS names or IPs).
    fn server_config(&self, names: &[&str]) -> Arc<ServerConfig> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = rcgen::CertificateParams::new(names).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let chain = vec![
            cert.der().clone(),
            CertificateDer::from(self.issuer.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Arc::new(config)
    }
}

/// Accepts TCP connections and completes the TLS handshake; a failed handshake (the
/// client refused the certificate) is counted and the next connection awaited.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    failed_handshakes: Arc<AtomicUsize>,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, address)) = self.tcp.accept().await else {
                continue;
            };
            match self.acceptor.accept(tcp).await {
                Ok(tls) => return (tls, address),
                Err(_) => {
                    self.failed_handshakes.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// The contact centre's HTTPS receiver: what it got, and the handshakes clients broke off.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    failed_handshakes: Arc<AtomicUsize>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.got.lock().unwrap().push((headers, body));
    StatusCode::NO_CONTENT
}

impl Receiver {
    /// Serves over TLS with `config` on 127.0.0.1:0; the port.
    async fn start(&self, config: Arc<ServerConfig>) -> u16 {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = tcp.local_addr().unwrap().port();
        let listener = TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            failed_handshakes: Arc::clone(&self.failed_handshakes),
        };
        let app = Router::new().fallback(receive).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        port
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| serde_json::from_slice(body).unwrap())
            .collect()
    }
}

fn webhook(url: &str, ca_file: Option<&Path>) -> WebhookSettings {
    let mut settings = WebhookSettings::new(url, Secret::new(SECRET));
    settings.ca_file = ca_file.map(Path::to_path_buf);
    settings.max_attempts = 1;
    settings.backoff_ms = 0;
    settings.timeout_ms = 2_000;
    settings
}

/// The demo site's connector for `settings` on a sled store in `dir`.
async fn connectors(dir: &Path, settings: WebhookSettings) -> Connectors {
    let mut all = Settings::default();
    all.sites[0].webhook = Some(settings);
    let store: Arc<dyn staffetta::store::Store> = Arc::new(
        staffetta::store::SledStore::open(&dir.join("store"), Clock::system())
            .await
            .unwrap(),
    );
    Connectors::from_settings(&all, &Clock::system(), &store).unwrap()
}

fn hello() -> Outbound {
    Outbound::Message(ChatMessage {
        conversation: staffetta_handoff::ConversationId::parse("c1").unwrap(),
        from: Author::Visitor,
        text: "Hello over TLS".into(),
        at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    })
}

/// Delivers one message directly (the trait's `deliver`, one attempt).
async fn deliver(dir: &Path, settings: WebhookSettings) -> Result<(), ConnectorError> {
    let connectors = connectors(dir, settings).await;
    let connector = connectors.get("demo").unwrap();
    connector
        .deliver(&AgentId::parse("ada").unwrap(), &hello())
        .await
}

#[tokio::test]
async fn a_delivery_over_https_to_a_receiver_of_the_ca_in_ca_file_arrives_signed_and_intact() {
    let ca = TestCa::new();
    let receiver = Receiver::default();
    let port = receiver
        .start(ca.server_config(&["127.0.0.1", "localhost"]))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = ca.write_pem(dir.path());
    let url = format!("https://127.0.0.1:{port}/hook");
    deliver(dir.path(), webhook(&url, Some(&ca_file)))
        .await
        .unwrap();

    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let timestamp: i64 = headers[TIMESTAMP_HEADER].to_str().unwrap().parse().unwrap();
    let signature = headers[SIGNATURE_HEADER].to_str().unwrap();
    let now = jiff::Timestamp::from_millisecond(Clock::system().now_ms()).unwrap();
    verify_webhook_signature(SECRET.as_bytes(), timestamp, body, signature, now, 300).unwrap();
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body["site"], "demo");
    assert_eq!(body["agent"], "ada");
    assert_eq!(body["item"]["kind"], "message");
    assert_eq!(body["item"]["text"], "Hello over TLS");
    assert_eq!(receiver.failed_handshakes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn without_ca_file_a_private_ca_is_an_unknown_issuer_and_nothing_is_sent() {
    let ca = TestCa::new();
    let receiver = Receiver::default();
    let port = receiver.start(ca.server_config(&["127.0.0.1"])).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("https://127.0.0.1:{port}/hook");
    let err = deliver(dir.path(), webhook(&url, None)).await.unwrap_err();
    let ConnectorError::Unreachable(reason) = err else {
        panic!("a certificate failure is a transport failure (retried): {err:?}");
    };
    assert!(reason.starts_with("TLS handshake failed"), "{reason}");
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    assert!(
        !reason.contains(SECRET) && !reason.contains("Hello"),
        "{reason}"
    );
    assert!(receiver.got.lock().unwrap().is_empty());
    // The receiver sees the broken-off handshake a moment after the client gave up.
    wait_for("the refused handshake", Duration::from_secs(5), || {
        let failed = receiver.failed_handshakes.load(Ordering::SeqCst);
        async move { (failed == 1).then_some(()) }
    })
    .await;
}

#[tokio::test]
async fn a_certificate_that_does_not_name_the_host_is_refused_even_from_a_trusted_ca() {
    let ca = TestCa::new();
    let receiver = Receiver::default();
    let port = receiver.start(ca.server_config(&["desk.example"])).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = ca.write_pem(dir.path());
    let url = format!("https://127.0.0.1:{port}/hook");
    let err = deliver(dir.path(), webhook(&url, Some(&ca_file)))
        .await
        .unwrap_err();
    let ConnectorError::Unreachable(reason) = err else {
        panic!("a name mismatch is a transport failure (retried): {err:?}");
    };
    assert!(reason.starts_with("TLS handshake failed"), "{reason}");
    assert!(reason.contains("certificate"), "{reason}");
    assert!(receiver.got.lock().unwrap().is_empty());
}

/// A node whose demo site sends its webhooks to `url`, trusting `ca_file`, on the sled
/// store at `store`.
async fn node(url: &str, ca_file: Option<PathBuf>, store: PathBuf) -> TestApp {
    let url = url.to_owned();
    spawn_app_with(move |settings: &mut Settings| {
        settings.admin.token = Secret::new(ADMIN_TOKEN);
        settings.agent.demo_operators = false;
        settings.sites[0].webhook = Some(webhook(&url, ca_file.as_deref()));
        settings.store.path = store;
    })
    .await
}

/// Posts a signed `set_state ready` of `agent`; the command is queued.
async fn ready(app: &TestApp, agent: &str) {
    let body = json!({ "agent": agent, "command": { "command": "set_state", "state": "ready" } });
    let response = post_signed_command(app, SECRET, &body).await;
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn an_event_refused_for_its_certificate_waits_in_the_outbox_and_arrives_after_a_restart_with_ca_file()
 {
    let ca = TestCa::new();
    let receiver = Receiver::default();
    let port = receiver.start(ca.server_config(&["127.0.0.1"])).await;
    let url = format!("https://127.0.0.1:{port}/hook");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let ca_file = ca.write_pem(dir.path());

    let app = node(&url, None, store.clone()).await;
    add_operator(&app, "tls-ada", "pass-tls-ada", "agent").await;
    ready(&app, "tls-ada").await;
    // Round after round (100 ms, then 200 ms, ...): the handshake fails each time.
    wait_for("three refused handshakes", Duration::from_secs(10), || {
        let failed = receiver.failed_handshakes.load(Ordering::SeqCst);
        async move { (failed >= 3).then_some(()) }
    })
    .await;
    assert!(receiver.got.lock().unwrap().is_empty());
    app.stop().await.unwrap();

    let again = node(&url, Some(ca_file), store).await;
    let logged_in = wait_for("LOGGEDIN over TLS", Duration::from_secs(10), || {
        let found = receiver
            .bodies()
            .into_iter()
            .find(|b| b["item"]["event"] == "LOGGEDIN");
        async move { found }
    })
    .await;
    assert_eq!(
        logged_in["seq"], 1,
        "the first event of the outbox, not lost"
    );
    drop(again);
}

/// `config check` on the default configuration with a webhook appended to the demo site.
fn config_check(webhook: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let repo = crate::support::app::repo_dir();
    for folder in ["dialogs", "locales"] {
        std::os::unix::fs::symlink(repo.join(folder), dir.path().join(folder)).unwrap();
    }
    let output = staffetta_command(dir.path())
        .arg("default-config")
        .output()
        .unwrap();
    let mut config = String::from_utf8(output.stdout).unwrap();
    config.push_str("\n[sites.webhook]\n");
    config.push_str(webhook);
    std::fs::write(dir.path().join("not-pem.txt"), "hello\n").unwrap();
    let file = dir.path().join("staffetta.toml");
    std::fs::write(&file, config).unwrap();
    let check = staffetta_command(dir.path())
        .args(["config", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    (check.status.code(), said)
}

#[test]
fn config_check_names_webhook_ca_file_when_it_is_missing_or_not_pem() {
    let base = format!("url = \"https://127.0.0.1:9/hook\"\nsecret = \"{SECRET}\"\n");
    let (code, said) = config_check(&format!("{base}ca_file = \"missing-ca.pem\"\n"));
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("`webhook.ca_file` missing-ca.pem") && said.contains("site `demo`"),
        "{said}"
    );
    let (code, said) = config_check(&format!("{base}ca_file = \"not-pem.txt\"\n"));
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("`webhook.ca_file` not-pem.txt") && said.contains("no PEM certificate"),
        "{said}"
    );
    let (code, said) = config_check(&base);
    assert_eq!(code, Some(0), "{said}");
}
