//! The HTTP client of a site's webhook: HTTP/1 over plain TCP or TLS (rustls, ring), bounded
//! by the configured timeout, redirects not followed.
//!
//! **Trust.** An `https://` receiver must present a certificate chain to one of the Mozilla
//! roots built into the binary (webpki-roots: no system certificate files are read, so the
//! binary verifies the same way in a minimal container), or to a CA of the site's
//! `webhook.ca_file` (a PEM bundle, for a contact centre behind an internal CA), for the
//! URL's host name or IP address. A certificate that does not verify fails the connection:
//! the delivery loop retries it like any transport failure (see `retry.rs`).
//!
//! A failed request is logged in a few words without the URL ([`describe`]), a TLS handshake
//! failure named as such.

use std::path::Path;
use std::time::Duration;

use super::webhook::WebhookSetupError;
use crate::config::WebhookSettings;

/// The URL and the client for `settings`, after every check `config check` makes: the
/// settings, then `ca_file` (read, parsed, each certificate usable as a trust anchor).
pub(crate) fn build(
    settings: &WebhookSettings,
) -> Result<(url::Url, reqwest::Client), WebhookSetupError> {
    settings.validate()?;
    let url = settings.parsed_url()?;
    let private_roots = match &settings.ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    let timeout = Duration::from_millis(settings.timeout_ms);
    let builder = || {
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("staffetta-webhook/", env!("CARGO_PKG_VERSION")))
    };
    let with_roots = private_roots
        .iter()
        .fold(builder(), |builder, root| {
            builder.add_root_certificate(root.clone())
        })
        .build();
    match with_roots {
        Ok(client) => Ok((url, client)),
        // The roots are checked only when the TLS configuration is built: when the same
        // client without them builds, the file is at fault.
        Err(err) if !private_roots.is_empty() && builder().build().is_ok() => {
            Err(ca_file_error(settings.ca_file.as_deref(), &err))
        }
        Err(err) => Err(WebhookSetupError::Client(err.without_url().to_string())),
    }
}

/// The certificates of a PEM bundle; an error when the file cannot be read or holds no
/// `CERTIFICATE` block.
fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, WebhookSetupError> {
    let failed = |reason: String| WebhookSetupError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|err| failed(err.to_string()))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|err| failed(format!("not a PEM certificate bundle ({err})")))?;
    if certificates.is_empty() {
        return Err(failed(
            "no PEM certificate in it (expected -----BEGIN CERTIFICATE----- blocks)".to_owned(),
        ));
    }
    Ok(certificates)
}

fn ca_file_error(path: Option<&Path>, err: &reqwest::Error) -> WebhookSetupError {
    let mut reason = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        reason = format!("{reason}: {inner}");
        cause = inner.source();
    }
    WebhookSetupError::CaFile {
        path: path.map(|p| p.display().to_string()).unwrap_or_default(),
        reason: format!("a certificate is not a usable CA certificate ({reason})"),
    }
}

/// A transport error in a few words, without the URL (it may carry credentials). A TLS
/// handshake that failed (rustls reports it as invalid data while connecting) is named as
/// such, with rustls's reason (for example `invalid peer certificate: UnknownIssuer`).
pub(super) fn describe(err: &reqwest::Error) -> String {
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(err);
    let mut deepest = None;
    let mut invalid_data = false;
    while let Some(inner) = cause {
        deepest = Some(inner.to_string());
        invalid_data |= inner
            .downcast_ref::<std::io::Error>()
            .is_some_and(is_invalid_data);
        cause = inner.source();
    }
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() && invalid_data {
        "TLS handshake failed"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match deepest {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind.to_owned(),
    }
}

/// Whether `err`, or an I/O error it wraps (hyper-rustls wraps rustls's in another), is
/// `InvalidData`: what a failed TLS handshake is.
fn is_invalid_data(err: &std::io::Error) -> bool {
    let mut io = Some(err);
    while let Some(current) = io {
        if current.kind() == std::io::ErrorKind::InvalidData {
            return true;
        }
        io = current
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<std::io::Error>());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn settings(ca_file: Option<&Path>) -> WebhookSettings {
        let mut settings = WebhookSettings::new(
            "https://desk.example/hook",
            Secret::new("client-test-secret"),
        );
        settings.ca_file = ca_file.map(Path::to_path_buf);
        settings
    }

    fn test_ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Staffetta unit-test CA");
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn https_builds_without_a_ca_file_on_the_built_in_roots() {
        build(&settings(None)).unwrap();
    }

    #[test]
    fn a_pem_bundle_of_two_cas_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cas.pem");
        std::fs::write(&path, format!("{}\n{}", test_ca_pem(), test_ca_pem())).unwrap();
        build(&settings(Some(&path))).unwrap();
        assert_eq!(read_ca_file(&path).unwrap().len(), 2);
    }

    #[test]
    fn a_missing_ca_file_is_an_error_naming_the_key_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.pem");
        let text = build(&settings(Some(&path))).unwrap_err().to_string();
        assert!(text.starts_with("`webhook.ca_file` "), "{text}");
        assert!(text.contains("missing.pem"), "{text}");
    }

    #[test]
    fn a_ca_file_without_a_pem_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "just some text, not a certificate\n").unwrap();
        let text = build(&settings(Some(&path))).unwrap_err().to_string();
        assert!(
            text.starts_with("`webhook.ca_file` ") && text.contains("no PEM certificate"),
            "{text}"
        );
    }

    #[test]
    fn a_pem_block_that_is_not_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        // Valid base64 in a CERTIFICATE envelope, but not DER.
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let text = build(&settings(Some(&path))).unwrap_err().to_string();
        assert!(
            text.starts_with("`webhook.ca_file` ") && text.contains("not a usable CA"),
            "{text}"
        );
    }

    #[test]
    fn a_broken_pem_envelope_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n").unwrap();
        let text = build(&settings(Some(&path))).unwrap_err().to_string();
        assert!(text.starts_with("`webhook.ca_file` "), "{text}");
    }
}
