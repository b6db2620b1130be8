//! The visitor's kind of device (mobile, tablet, desktop) from the `Sec-CH-UA-Mobile` client
//! hint and the user agent.
//!
//! A small hand-written classifier rather than a UA-parsing crate: agents need only three
//! classes, the rules below are the documented conventions of the platforms (Android phones
//! put `Mobile` in the UA and tablets do not; Firefox writes `Mobile` or `Tablet`; iPads,
//! Kindles and Silk say so), and the one small crate that classifies without a data file
//! (`woothee`) does not tell tablets from phones and has not been updated since 2021.
//! Known blind spot: iPadOS Safari asks for desktop sites by default and sends a Mac user
//! agent, so such iPads count as desktop (no server-side signal tells them apart).

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// What kind of device the visitor uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    /// A phone.
    Mobile,
    /// A tablet.
    Tablet,
    /// A desktop or laptop computer.
    Desktop,
    /// No user agent, or one that says nothing recognisable (bots, scripts, TVs).
    #[default]
    Unknown,
}

/// Tokens (lower case) that mark a tablet. Checked before phones: tablet UAs often also
/// carry a generic "mobile" token (`Mobile Safari` on Android tablets in some browsers).
const TABLET_TOKENS: &[&str] = &["ipad", "tablet", "kindle", "silk/", "playbook"];

/// Tokens (lower case) that mark a phone.
const MOBILE_TOKENS: &[&str] = &[
    "iphone",
    "ipod",
    "windows phone",
    "iemobile",
    "blackberry",
    "bb10",
    "opera mini",
    "mobile",
];

/// Tokens (lower case) of desktop operating systems.
const DESKTOP_TOKENS: &[&str] = &[
    "windows nt",
    "macintosh",
    "mac os x",
    "cros",
    "x11",
    "linux",
];

/// The device class of a request: `Sec-CH-UA-Mobile: ?1` means a phone; otherwise the user
/// agent decides (a `?0` hint only rules out "phone").
pub fn classify(headers: &HeaderMap, user_agent: Option<&str>) -> DeviceClass {
    let hint = headers
        .get("sec-ch-ua-mobile")
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    match hint {
        Some("?1") => DeviceClass::Mobile,
        Some("?0") => match user_agent.map_or(DeviceClass::Unknown, classify_user_agent) {
            DeviceClass::Mobile => DeviceClass::Unknown,
            class => class,
        },
        _ => user_agent.map_or(DeviceClass::Unknown, classify_user_agent),
    }
}

/// The device class a user agent string claims.
pub fn classify_user_agent(user_agent: &str) -> DeviceClass {
    let ua = user_agent.to_ascii_lowercase();
    let has = |tokens: &[&str]| tokens.iter().any(|token| ua.contains(token));
    // Windows Phone UAs mention Android and iPhone for compatibility.
    if ua.contains("windows phone") {
        return DeviceClass::Mobile;
    }
    if has(TABLET_TOKENS) {
        return DeviceClass::Tablet;
    }
    if has(MOBILE_TOKENS) {
        return DeviceClass::Mobile;
    }
    // Android without a "Mobile" token is a tablet (Google's guidance to browser vendors).
    if ua.contains("android") {
        return DeviceClass::Tablet;
    }
    if has(DESKTOP_TOKENS) {
        return DeviceClass::Desktop;
    }
    DeviceClass::Unknown
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 \
        (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
    const ANDROID_PHONE_CHROME: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) \
        AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
    const ANDROID_TABLET_CHROME: &str = "Mozilla/5.0 (Linux; Android 13; SM-X710) \
        AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const ANDROID_PHONE_FIREFOX: &str =
        "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0";
    const ANDROID_TABLET_FIREFOX: &str =
        "Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0";
    const KINDLE: &str = "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 \
        (KHTML, like Gecko) Silk/124.2.1 like Chrome/124.0.6367.179 Safari/537.36";
    const WINDOWS_PHONE: &str = "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; \
        Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0 Mobile Safari/537.36 \
        Edge/15.15063";
    const DESKTOP_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \
        AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const DESKTOP_FIREFOX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
    const DESKTOP_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) \
        AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15";
    const CHROMEBOOK: &str = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 \
        (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

    #[test]
    fn phones_are_mobile() {
        for ua in [
            IPHONE,
            ANDROID_PHONE_CHROME,
            ANDROID_PHONE_FIREFOX,
            WINDOWS_PHONE,
        ] {
            assert_eq!(classify_user_agent(ua), DeviceClass::Mobile, "{ua}");
        }
    }

    #[test]
    fn tablets_are_tablets() {
        for ua in [IPAD, ANDROID_TABLET_CHROME, ANDROID_TABLET_FIREFOX, KINDLE] {
            assert_eq!(classify_user_agent(ua), DeviceClass::Tablet, "{ua}");
        }
    }

    #[test]
    fn desktop_browsers_are_desktop() {
        for ua in [DESKTOP_CHROME, DESKTOP_FIREFOX, DESKTOP_SAFARI, CHROMEBOOK] {
            assert_eq!(classify_user_agent(ua), DeviceClass::Desktop, "{ua}");
        }
    }

    #[test]
    fn unrecognisable_agents_are_unknown() {
        for ua in ["", "curl/8.5.0", "python-requests/2.31"] {
            assert_eq!(classify_user_agent(ua), DeviceClass::Unknown, "{ua}");
        }
    }

    fn hint(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("sec-ch-ua-mobile", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn the_mobile_client_hint_wins_over_the_user_agent() {
        assert_eq!(
            classify(&hint("?1"), Some(DESKTOP_CHROME)),
            DeviceClass::Mobile
        );
        assert_eq!(classify(&hint("?1"), None), DeviceClass::Mobile);
    }

    #[test]
    fn a_not_mobile_hint_leaves_tablet_or_desktop_to_the_user_agent() {
        assert_eq!(
            classify(&hint("?0"), Some(ANDROID_TABLET_CHROME)),
            DeviceClass::Tablet
        );
        assert_eq!(
            classify(&hint("?0"), Some(DESKTOP_CHROME)),
            DeviceClass::Desktop
        );
        assert_eq!(classify(&hint("?0"), Some(IPHONE)), DeviceClass::Unknown);
    }

    #[test]
    fn without_a_hint_the_user_agent_decides() {
        assert_eq!(
            classify(&HeaderMap::new(), Some(IPHONE)),
            DeviceClass::Mobile
        );
        assert_eq!(classify(&HeaderMap::new(), None), DeviceClass::Unknown);
        assert_eq!(classify(&hint("maybe"), Some(IPAD)), DeviceClass::Tablet);
    }

    #[test]
    fn device_classes_serialize_in_snake_case() {
        let json = serde_json::to_string(&DeviceClass::Desktop).unwrap();
        assert_eq!(json, "\"desktop\"");
    }
}
