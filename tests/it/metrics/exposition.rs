//! A strict reader of the text exposition format as `GET /metrics` writes it (OpenMetrics
//! 1.0 text, which Prometheus's classic text parser also reads): `# HELP`, `# TYPE` and
//! `# UNIT` lines before a family's samples, one family at a time, sample names that belong
//! to the family of the last `# TYPE` (with the suffix its type allows), well-formed label
//! sets, numeric values, histogram buckets that never decrease and end in `+Inf` equal to
//! `_count`, and `# EOF` as the last line.

use std::collections::HashSet;

/// One sample line.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The sample's name (`family` plus suffix).
    pub name: String,
    /// Its labels in order.
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: f64,
}

/// A parsed scrape.
#[derive(Debug, Default)]
pub struct Exposition {
    families: Vec<(String, String)>,
    samples: Vec<Sample>,
}

impl Exposition {
    /// Whether a family of this name was described (`# TYPE`).
    pub fn has_family(&self, name: &str) -> bool {
        self.families.iter().any(|(family, _)| family == name)
    }

    /// The samples named `name`.
    pub fn samples<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples
            .iter()
            .filter(move |sample| sample.name == name)
    }

    /// The value of the sample named `name` with exactly these labels.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples(name)
            .find(|sample| {
                sample.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| sample.labels.iter().any(|(sk, sv)| sk == k && sv == v))
            })
            .map(|sample| sample.value)
    }
}

/// Parses `text`, or says which line breaks the format.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut parsed = Exposition::default();
    let mut seen = HashSet::new();
    let mut current: Option<(String, String)> = None;
    let mut ended = false;
    for (index, line) in text.lines().enumerate() {
        let at = |what: &str| format!("line {}: {what}: {line:?}", index + 1);
        if ended {
            return Err(at("text after # EOF"));
        }
        if line == "# EOF" {
            ended = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let detail = parts.next().unwrap_or("");
            if !is_name(name) {
                return Err(at("bad metric name"));
            }
            match kind {
                "HELP" | "UNIT" => {}
                "TYPE" => {
                    if !["counter", "gauge", "histogram", "info", "unknown"].contains(&detail) {
                        return Err(at("unknown type"));
                    }
                    if !seen.insert(name.to_owned()) {
                        return Err(at("family described twice"));
                    }
                    current = Some((name.to_owned(), detail.to_owned()));
                    parsed.families.push((name.to_owned(), detail.to_owned()));
                }
                _ => return Err(at("unknown descriptor")),
            }
            continue;
        }
        let Some((family, kind)) = &current else {
            return Err(at("sample before any # TYPE"));
        };
        let sample = parse_sample(line).map_err(|error| at(&error))?;
        let suffix = sample.name.strip_prefix(family.as_str());
        let allowed: &[&str] = match kind.as_str() {
            "counter" => &["_total", "_created"],
            "histogram" => &["_bucket", "_sum", "_count", "_created"],
            "info" => &["_info"],
            _ => &[""],
        };
        if !suffix.is_some_and(|suffix| allowed.contains(&suffix)) {
            return Err(at(&format!("sample outside its family `{family}`")));
        }
        parsed.samples.push(sample);
    }
    if !ended {
        return Err("no # EOF at the end".to_owned());
    }
    check_histograms(&parsed)?;
    Ok(parsed)
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name{label="value",...} value`.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or_else(|| "no value".to_owned())?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err("bad sample name".to_owned());
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        let mut key = String::new();
        loop {
            let Some((i, c)) = chars.next() else {
                return Err("unclosed label set".to_owned());
            };
            match c {
                '}' if key.is_empty() => {
                    rest = &inner[i + 1..];
                    break;
                }
                '=' => {
                    if !is_name(&key) || key.contains(':') {
                        return Err(format!("bad label name {key:?}"));
                    }
                    if chars.next().map(|(_, c)| c) != Some('"') {
                        return Err("label value not quoted".to_owned());
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '"')) => break,
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => value.push('\n'),
                                Some((_, c @ ('\\' | '"'))) => value.push(c),
                                _ => return Err("bad escape in a label value".to_owned()),
                            },
                            Some((_, '\n')) | None => {
                                return Err("unclosed label value".to_owned());
                            }
                            Some((_, c)) => value.push(c),
                        }
                    }
                    labels.push((std::mem::take(&mut key), value));
                    match chars.next() {
                        Some((_, ',')) => {}
                        Some((j, '}')) => {
                            rest = &inner[j + 1..];
                            break;
                        }
                        _ => return Err("expected , or } after a label".to_owned()),
                    }
                }
                c => key.push(c),
            }
        }
    }
    let value = rest
        .strip_prefix(' ')
        .ok_or_else(|| "no space before the value".to_owned())?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number
            .parse()
            .map_err(|_| format!("value {number:?} is not a number"))?,
    };
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Buckets of each histogram never decrease, and the `+Inf` one equals `_count`.
fn check_histograms(parsed: &Exposition) -> Result<(), String> {
    for (family, kind) in &parsed.families {
        if kind != "histogram" {
            continue;
        }
        let bucket = format!("{family}_bucket");
        let mut last = 0.0;
        let mut infinite = None;
        for sample in parsed.samples(&bucket) {
            if sample.value < last {
                return Err(format!("{family}: buckets decrease"));
            }
            last = sample.value;
            if sample.labels.iter().any(|(k, v)| k == "le" && v == "+Inf") {
                infinite = Some(sample.value);
            }
        }
        let count = parsed.value(&format!("{family}_count"), &[]);
        if infinite.is_none() || infinite != count {
            return Err(format!(
                "{family}: +Inf bucket {infinite:?}, count {count:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_reader_refuses_what_breaks_the_format() {
    let good = "# HELP a_b Help.\n# TYPE a_b counter\na_b_total{x=\"1\"} 2\n# EOF\n";
    assert!(parse(good).is_ok());
    for bad in [
        "# TYPE a counter\na_total 1\n",
        "a_total 1\n# EOF\n",
        "# TYPE a counter\nb_total 1\n# EOF\n",
        "# TYPE a counter\na_total{x=1} 1\n# EOF\n",
        "# TYPE a gauge\na one\n# EOF\n",
        "# TYPE a histogram\na_bucket{le=\"1\"} 2\na_bucket{le=\"+Inf\"} 1\na_count 1\n# EOF\n",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
