//! Run with `cargo bench -p staffetta-handoff --bench desk`.
//!
//! Cost of desk transitions (dropping the desk excluded) on a busy site: 50 agents at full capacity (3 chats each,
//! 150 online) and 500 visitors waiting in two queues. The desk is one stored value, so
//! the JSON round trip is measured too: the edge pays it on every compare-and-set.

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use staffetta_handoff::agent::{AgentProfile, JobPhase};
use staffetta_handoff::desk::HandoffRequest;
use staffetta_handoff::operator::DisplayName;
use staffetta_handoff::resource::Resource;
use staffetta_handoff::wrap_up::{Disposition, WrapUp};
use staffetta_handoff::{AgentId, ConversationId, Desk, DeskConfig, ResourceId, SiteId, Skill};

const AGENTS: usize = 50;
const WAITING: usize = 500;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn request(desk: &mut Desk, index: usize, now: Timestamp) {
    let resource = if index.is_multiple_of(3) {
        "sales"
    } else {
        "support"
    };
    let request = HandoffRequest {
        conversation: ConversationId::parse(&format!("c{index}")).unwrap(),
        dispatch_to: Some(ResourceId::parse(resource).unwrap()),
        summary: "Bot: hello\nVisitor: I need a human".into(),
    };
    desk.request(now, request).unwrap();
}

/// Every agent full, `WAITING` conversations in the queues.
fn busy_desk() -> Desk {
    let support = ResourceId::parse("support").unwrap();
    let config = DeskConfig {
        default_resource: Some(support.clone()),
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(SiteId::parse("bench").unwrap(), config);
    desk.upsert_resource(at(0), Resource::new(support, "Support"))
        .unwrap();
    let mut sales = Resource::new(ResourceId::parse("sales").unwrap(), "Sales");
    sales.skills = [Skill::parse("sales").unwrap()].into();
    desk.upsert_resource(at(0), sales).unwrap();
    for a in 0..AGENTS {
        let skills: BTreeSet<Skill> = if a % 2 == 0 {
            [Skill::parse("sales").unwrap()].into()
        } else {
            BTreeSet::new()
        };
        let id = AgentId::parse(&format!("a{a}")).unwrap();
        let name = DisplayName::parse(&format!("Agent {a}")).unwrap();
        desk.login(at(0), AgentProfile::new(id, name, 3, skills).unwrap())
            .unwrap();
    }
    let mut next = 0;
    while desk.agents().any(|a| a.jobs().len() < 3) {
        request(&mut desk, next, at(1));
        next += 1;
        let offers: Vec<_> = desk
            .agents()
            .filter_map(|a| {
                a.pending_offer()
                    .map(|(offer, _)| (a.profile().id().clone(), offer))
            })
            .collect();
        for (agent, offer) in offers {
            desk.accept(at(2), &agent, offer).unwrap();
        }
    }
    for index in next..next + WAITING {
        request(&mut desk, index, at(3));
    }
    desk
}

fn benches(c: &mut Criterion) {
    let desk = busy_desk();
    let a0 = AgentId::parse("a0").unwrap();

    c.bench_function("request_into_a_busy_desk", |b| {
        b.iter_batched(
            || desk.clone(),
            |mut desk| {
                request(&mut desk, 100_000, at(10));
                desk
            },
            BatchSize::LargeInput,
        );
    });

    let mut wrapping = desk.clone();
    let online = wrapping
        .agent(&a0)
        .and_then(|a| a.jobs().values().find(|j| j.phase == JobPhase::Online))
        .map(|j| j.conversation.clone())
        .unwrap();
    wrapping.end_by_agent(at(10), &a0, &online).unwrap();
    let job = *wrapping
        .agent(&a0)
        .unwrap()
        .jobs()
        .iter()
        .find(|(_, j)| j.conversation == online)
        .unwrap()
        .0;
    let wrap_up = WrapUp::new(Disposition::parse("solved").unwrap(), "notes").unwrap();
    c.bench_function("wrap_up_frees_a_slot_and_offers_the_oldest", |b| {
        b.iter_batched(
            || wrapping.clone(),
            |mut desk| {
                desk.submit_wrap_up(at(20), &a0, job, wrap_up.clone())
                    .unwrap()
            },
            BatchSize::LargeInput,
        );
    });

    c.bench_function("tick_with_nothing_due", |b| {
        b.iter_batched(
            || desk.clone(),
            |mut desk| desk.tick(at(4)),
            BatchSize::LargeInput,
        );
    });

    c.bench_function("next_deadline", |b| {
        b.iter(|| black_box(&desk).next_deadline())
    });

    c.bench_function("clone_only_baseline", |b| {
        b.iter(|| black_box(&desk).clone())
    });

    let json = serde_json::to_string(&desk).unwrap();
    println!("stored desk: {} bytes of JSON", json.len());
    c.bench_function("desk_json_round_trip", |b| {
        b.iter(|| {
            let text = serde_json::to_string(black_box(&desk)).unwrap();
            serde_json::from_str::<Desk>(&text).unwrap()
        });
    });
    c.bench_function("desk_json_read", |b| {
        b.iter(|| serde_json::from_str::<Desk>(black_box(&json)).unwrap());
    });
    let copy = json.clone();
    c.bench_function("desk_bytes_compare", |b| {
        b.iter(|| black_box(&json).as_bytes() == black_box(&copy).as_bytes());
    });
}

criterion_group! {
    name = desk;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(desk);
