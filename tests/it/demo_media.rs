//! The demo shop's media as a browser fetches them: every `/demo/media/...` URL in the demo
//! dialog answers, and the workshop video is an MP4 served with byte ranges.

use crate::support::app::repo_dir;
use crate::support::{TestApp, spawn_app};

const VIDEO: &str = "/demo/media/workshop-tour.mp4";

async fn get_range(app: &TestApp, path: &str, range: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base_url))
        .header("range", range)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_workshop_video_is_an_mp4_that_answers_byte_ranges() {
    let app = spawn_app().await;
    let full = app.get(VIDEO).await;
    assert_eq!(full.status(), 200);
    assert_eq!(header(&full, "content-type"), "video/mp4");
    assert_eq!(header(&full, "accept-ranges"), "bytes");
    let bytes = full.bytes().await.unwrap();
    let len = bytes.len();
    assert!((10_000..300_000).contains(&len), "{len} bytes");
    assert_eq!(&bytes[4..8], b"ftyp", "an ISO media file");

    let head = get_range(&app, VIDEO, "bytes=0-99").await;
    assert_eq!(head.status(), 206);
    assert_eq!(header(&head, "content-range"), format!("bytes 0-99/{len}"));
    assert_eq!(header(&head, "content-type"), "video/mp4");
    assert_eq!(head.bytes().await.unwrap(), bytes[..100]);

    let tail = get_range(&app, VIDEO, "bytes=-16").await;
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap(), bytes[len - 16..]);

    let past_the_end = get_range(&app, VIDEO, &format!("bytes={len}-")).await;
    assert_eq!(past_the_end.status(), 416);
    assert_eq!(
        header(&past_the_end, "content-range"),
        format!("bytes */{len}")
    );

    let several = get_range(&app, VIDEO, "bytes=0-1,5-9").await;
    assert_eq!(several.status(), 200, "several ranges get the whole file");
    assert_eq!(several.bytes().await.unwrap().len(), len);
}

#[tokio::test]
async fn every_demo_media_url_of_the_demo_dialog_is_served() {
    let app = spawn_app().await;
    let actions = repo_dir().join("dialogs/bottega-aurora/actions");
    let mut urls = Vec::new();
    for entry in std::fs::read_dir(&actions).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (start, _) in text.match_indices("/demo/media/") {
            let url: String = text[start..]
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' ' | '\n'))
                .collect();
            urls.push(url);
        }
    }
    assert!(urls.iter().any(|url| url == VIDEO), "{urls:?}");
    for url in urls {
        let response = app.get(&url).await;
        assert_eq!(response.status(), 200, "{url}");
    }
}
