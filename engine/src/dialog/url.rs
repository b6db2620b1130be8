//! URL checks for media and iframes: allowed schemes, hosts and the iframe allowlist.

/// Why a media or iframe source is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SourceProblem {
    /// Not `https://…`, `http://…` or a path starting with `/`.
    Scheme,
    /// An absolute URL without a host.
    NoHost,
    /// Spaces, quotes, angle brackets, backslashes or control characters. Browsers read a
    /// backslash as `/` in http(s) URLs, so `https://evil.test\@allowed.test/` would load
    /// evil.test while its text names an allowlisted host.
    Characters,
}

impl SourceProblem {
    pub(crate) fn message(&self, source: &str) -> String {
        match self {
            SourceProblem::Scheme => {
                format!("`{source}` must be an https:// or http:// URL or a path starting with `/`")
            }
            SourceProblem::NoHost => format!("`{source}` has no host"),
            SourceProblem::Characters => {
                format!(
                    "`{source}` contains spaces, quotes, angle brackets, backslashes or control characters"
                )
            }
        }
    }
}

/// Checks a media source (image, audio, video): an http(s) URL or a site-relative path.
/// Returns the host of absolute URLs (`None` for relative paths).
pub(crate) fn check_source(source: &str) -> Result<Option<String>, SourceProblem> {
    if source.is_empty()
        || source.chars().any(|c| {
            c.is_control() || c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '\\')
        })
    {
        return Err(SourceProblem::Characters);
    }
    if source.starts_with('/') && !source.starts_with("//") {
        return Ok(None);
    }
    let lower = source.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &source["https://".len()..]
    } else if lower.starts_with("http://") {
        &source["http://".len()..]
    } else {
        return Err(SourceProblem::Scheme);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port
            .split_inclusive(']')
            .next()
            .unwrap_or_default()
            .to_owned()
    } else {
        host_port
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    if host.is_empty() {
        return Err(SourceProblem::NoHost);
    }
    Ok(Some(host))
}

/// Whether `host` is on the allowlist. An entry `*.example.com` allows every subdomain
/// of example.com (not example.com itself); other entries must match exactly,
/// case-insensitively.
pub(crate) fn host_allowed(host: &str, allowlist: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    allowlist.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        match entry.strip_prefix("*.") {
            Some(domain) => host
                .strip_suffix(domain)
                .is_some_and(|prefix| prefix.ends_with('.') && prefix.len() > 1),
            None => host == entry,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_taken_from_absolute_urls() {
        assert_eq!(
            check_source("https://user@WWW.OpenStreetMap.org:443/export/embed.html?x=1"),
            Ok(Some("www.openstreetmap.org".to_owned()))
        );
        assert_eq!(check_source("/demo/media/lamp.jpg"), Ok(None));
    }

    #[test]
    fn dangerous_or_odd_sources_are_refused() {
        assert_eq!(
            check_source("javascript:alert(1)"),
            Err(SourceProblem::Scheme)
        );
        assert_eq!(check_source("data:text/html,x"), Err(SourceProblem::Scheme));
        assert_eq!(check_source("//evil.example/x"), Err(SourceProblem::Scheme));
        assert_eq!(check_source("https:///x"), Err(SourceProblem::NoHost));
        assert_eq!(
            check_source("/a\"onerror=x"),
            Err(SourceProblem::Characters)
        );
        assert_eq!(
            check_source(r"https://evil.example\@maps.example.org/"),
            Err(SourceProblem::Characters)
        );
    }

    #[test]
    fn wildcard_entries_allow_subdomains_only() {
        let allow = vec!["*.example.com".to_owned(), "maps.test".to_owned()];
        assert!(host_allowed("a.example.com", &allow));
        assert!(!host_allowed("example.com", &allow));
        assert!(!host_allowed("badexample.com", &allow));
        assert!(host_allowed("MAPS.test", &allow));
        assert!(!host_allowed("maps.test.evil", &allow));
    }
}
