//! One scrape: [`gather`] reads the node's counters and what is only known by asking (the
//! desks, the webhook outboxes, the store), then [`encode`] writes it all in the text format
//! (OpenMetrics 1.0, which Prometheus asks for and which its classic text parser also reads)
//! through the Prometheus client's encoder.
//!
//! A site whose desk or outbox cannot be read is left out of that family (and logged at
//! debug): a scrape never fails for one site.

use std::fmt::Error;
use std::sync::atomic::Ordering::Relaxed;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::registry::{Registry, Unit};
use staffetta_handoff::agent::AgentState;

use super::histogram::HistogramSnapshot;
use super::{HandoffStep, RefusalKind};
use crate::app::AppState;
use crate::cluster::FanoutStats;
use crate::store::GroupCommits;

/// The `Content-Type` of [`encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Everything one scrape shows, read at one moment.
#[derive(Debug, Default)]
pub struct Scrape {
    http: Vec<(String, &'static str, u64)>,
    refusals: Vec<(&'static str, u64)>,
    handoff: Vec<(&'static str, u64)>,
    sessions_started: u64,
    visitor_websockets: u64,
    visitor_long_polls: u64,
    bot_turns: Option<HistogramSnapshot>,
    store_appends: Option<HistogramSnapshot>,
    group_commits: Option<GroupCommits>,
    fanout: Option<FanoutStats>,
    /// `(site, queue, waiting)`.
    waiting: Vec<(String, String, u64)>,
    /// `(site, state, agents)`.
    agents: Vec<(String, &'static str, u64)>,
    /// `(site, entries not acknowledged, failed delivery rounds)`.
    outboxes: Vec<(String, u64, u64)>,
}

/// Reads the node's values and asks the store for the desks and outboxes of the
/// configured sites.
pub async fn gather(state: &AppState) -> Scrape {
    let metrics = &state.metrics;
    let mut scrape = Scrape {
        http: metrics.http().snapshot(),
        refusals: RefusalKind::ALL
            .iter()
            .map(|kind| (kind.label(), metrics.refusals(*kind)))
            .collect(),
        handoff: HandoffStep::ALL
            .iter()
            .map(|step| (step.label(), metrics.handoff_steps(*step)))
            .collect(),
        sessions_started: metrics.sessions_started(),
        visitor_websockets: state.websockets.total(),
        visitor_long_polls: state.websockets.long_polls().total(),
        bot_turns: Some(metrics.bot_turns().snapshot()),
        store_appends: Some(metrics.store_appends().snapshot()),
        group_commits: state.store.group_commits(),
        fanout: state
            .bus
            .fanout()
            .is_enabled()
            .then(|| state.bus.fanout().stats()),
        ..Scrape::default()
    };
    for site in &state.settings.sites {
        desk_gauges(state, &site.id, &mut scrape).await;
    }
    for (site, webhook) in state.agents.connectors.iter() {
        let outbox = webhook.outbox();
        let backlog = async {
            let head = outbox.store().log_head(&outbox.log()).await?;
            let cursor = outbox.cursor().await?;
            Ok::<_, crate::store::StoreError>(head.saturating_sub(cursor.seq))
        };
        match backlog.await {
            Ok(backlog) => {
                scrape.outboxes.push((
                    site.to_owned(),
                    backlog,
                    webhook.delivery_failures().load(Relaxed),
                ));
            }
            Err(error) => tracing::debug!(%site, %error, "metrics: outbox not read"),
        }
    }
    scrape
}

/// The site's waiting conversations per queue and its agents per state.
async fn desk_gauges(state: &AppState, site: &str, scrape: &mut Scrape) {
    let desk = match crate::desk::site_desk::read(state, site).await {
        Ok(desk) => desk,
        Err(error) => {
            tracing::debug!(%site, code = error.code(), "metrics: desk not read");
            return;
        }
    };
    for queue in desk.overview() {
        let waiting = u64::try_from(queue.waiting.len()).unwrap_or(u64::MAX);
        scrape
            .waiting
            .push((site.to_owned(), queue.resource.to_string(), waiting));
    }
    let mut by_state = [0u64; 4];
    for agent in desk.agents() {
        let index = match agent.state() {
            AgentState::Ready => 0,
            AgentState::Paused { .. } => 1,
            AgentState::Forced => 2,
            AgentState::LoggedOut => 3,
        };
        by_state[index] += 1;
    }
    for (label, count) in ["ready", "paused", "forced", "logged_out"]
        .into_iter()
        .zip(by_state)
    {
        scrape.agents.push((site.to_owned(), label, count));
    }
}

/// The scrape in the text format, ending with `# EOF`.
pub fn encode(scrape: Scrape) -> Result<String, Error> {
    let mut registry = Registry::with_prefix("staffetta");
    registry.register_collector(Box::new(scrape));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}

/// No exemplars are kept.
const NO_EXEMPLAR: Option<&Exemplar<NoLabelSet, f64>> = None;

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), Error> {
        let mut family = encoder.encode_descriptor(
            "http_requests",
            "HTTP requests answered by this node, by route template and status class.",
            None,
            MetricType::Counter,
        )?;
        for (route, status, count) in &self.http {
            let labels = [("route", route.as_str()), ("status", *status)];
            family
                .encode_family(&labels)?
                .encode_counter(count, NO_EXEMPLAR)?;
        }
        labelled_counters(
            &mut encoder,
            "refusals",
            "Requests and websocket frames refused by a limit or a guard, by kind.",
            "kind",
            &self.refusals,
        )?;
        counter(
            &mut encoder,
            "sessions_started",
            "Visitor sessions started on this node.",
            self.sessions_started,
        )?;
        gauge(
            &mut encoder,
            "visitor_websockets",
            "Visitor websockets open on this node.",
            self.visitor_websockets,
        )?;
        gauge(
            &mut encoder,
            "visitor_long_polls",
            "Visitor long-polls waiting on this node.",
            self.visitor_long_polls,
        )?;
        histogram(
            &mut encoder,
            "bot_turn_duration",
            "Bot turns stored by this node (the count) and their server-side duration, from the message to its durable write.",
            self.bot_turns.as_ref(),
        )?;
        histogram(
            &mut encoder,
            "store_append_duration",
            "Duration of the durable append of a bot turn.",
            self.store_appends.as_ref(),
        )?;
        if let Some(commits) = self.group_commits {
            counter(
                &mut encoder,
                "store_group_commit_writes",
                "Writes the embedded store made durable (their ratio to flushes is the mean group size).",
                commits.writes,
            )?;
            counter(
                &mut encoder,
                "store_group_commit_flushes",
                "Flushes of the embedded store, one per group of writes.",
                commits.flushes,
            )?;
        }
        labelled_counters(
            &mut encoder,
            "handoff_steps",
            "Handoff steps handled by this node: requests queued or refused by a closed queue, offers made, accepted, rejected, timed out.",
            "step",
            &self.handoff,
        )?;
        let mut family = encoder.encode_descriptor(
            "handoff_waiting",
            "Conversations waiting for an agent per site and queue (an offered one included), as stored: the same on every node.",
            None,
            MetricType::Gauge,
        )?;
        for (site, queue, waiting) in &self.waiting {
            let labels = [("site", site.as_str()), ("queue", queue.as_str())];
            family.encode_family(&labels)?.encode_gauge(waiting)?;
        }
        let mut family = encoder.encode_descriptor(
            "agents",
            "Agents of the desk per site and state, as stored: the same on every node.",
            None,
            MetricType::Gauge,
        )?;
        for (site, agent_state, count) in &self.agents {
            let labels = [("site", site.as_str()), ("state", *agent_state)];
            family.encode_family(&labels)?.encode_gauge(count)?;
        }
        self.encode_outboxes(&mut encoder)?;
        if let Some(fanout) = self.fanout {
            let outcomes = [
                ("published", fanout.published),
                ("dropped", fanout.dropped),
                ("delivered", fanout.delivered),
                ("malformed", fanout.malformed),
            ];
            labelled_counters(
                &mut encoder,
                "cluster_fanout_messages",
                "Cluster fan-out messages of this node: published to Redis, dropped before, delivered from other nodes, undecodable.",
                "outcome",
                &outcomes,
            )?;
        }
        Ok(())
    }
}

impl Scrape {
    fn encode_outboxes(&self, encoder: &mut DescriptorEncoder<'_>) -> Result<(), Error> {
        let mut family = encoder.encode_descriptor(
            "webhook_outbox_backlog",
            "Webhook outbox entries per site not acknowledged by the contact centre yet, as stored.",
            None,
            MetricType::Gauge,
        )?;
        for (site, backlog, _) in &self.outboxes {
            let labels = [("site", site.as_str())];
            family.encode_family(&labels)?.encode_gauge(backlog)?;
        }
        let mut family = encoder.encode_descriptor(
            "webhook_delivery_failures",
            "Webhook delivery rounds of this node that found the receiver unreachable, per site.",
            None,
            MetricType::Counter,
        )?;
        for (site, _, failures) in &self.outboxes {
            let labels = [("site", site.as_str())];
            family
                .encode_family(&labels)?
                .encode_counter(failures, NO_EXEMPLAR)?;
        }
        Ok(())
    }
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), Error> {
    encoder
        .encode_descriptor(name, help, None, MetricType::Counter)?
        .encode_counter(&value, NO_EXEMPLAR)
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), Error> {
    encoder
        .encode_descriptor(name, help, None, MetricType::Gauge)?
        .encode_gauge(&value)
}

fn labelled_counters(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    label: &str,
    values: &[(&'static str, u64)],
) -> Result<(), Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, count) in values {
        let labels = [(label, *value)];
        family
            .encode_family(&labels)?
            .encode_counter(count, NO_EXEMPLAR)?;
    }
    Ok(())
}

fn histogram(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    snapshot: Option<&HistogramSnapshot>,
) -> Result<(), Error> {
    let Some(snapshot) = snapshot else {
        return Ok(());
    };
    encoder
        .encode_descriptor(name, help, Some(&Unit::Seconds), MetricType::Histogram)?
        .encode_histogram::<NoLabelSet>(snapshot.sum_s, snapshot.count, &snapshot.buckets, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_is_encoded_with_prefix_labels_and_eof() {
        let scrape = Scrape {
            http: vec![("/healthz".to_owned(), "2xx", 3)],
            refusals: vec![("rate_limit", 2)],
            waiting: vec![("demo".to_owned(), "general".to_owned(), 1)],
            ..Scrape::default()
        };
        let text = encode(scrape).unwrap();
        assert!(text.contains("# TYPE staffetta_http_requests counter\n"));
        assert!(
            text.contains("staffetta_http_requests_total{route=\"/healthz\",status=\"2xx\"} 3\n")
        );
        assert!(text.contains("staffetta_refusals_total{kind=\"rate_limit\"} 2\n"));
        assert!(text.contains("staffetta_handoff_waiting{site=\"demo\",queue=\"general\"} 1\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
