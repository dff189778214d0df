//! What happens to records over time: consent events, orders with their lines, and marketing and
//! store interactions. Generated per chunk, after the chunk's records.

use super::World;
use super::catalog::{Category, STORES};
use super::geo::{Country, Currency};
use super::people::ChunkPersons;
use super::records::{self, Record, Source};
use super::rng::{Permutation, Rng, Stream};
use super::text::{self, SECS_PER_DAY};

pub const CHANNELS: [&str; 5] = ["email", "sms", "phone", "post", "analytics"];
pub const PURPOSES: [&str; 3] = ["marketing", "personalisation", "measurement"];
pub const STATUSES: [&str; 3] = ["opt_in", "opt_out", "pending_double_opt_in"];

pub const EMAIL: u8 = 0;
pub const SMS: u8 = 1;
pub const PHONE: u8 = 2;
pub const POST: u8 = 3;
pub const ANALYTICS: u8 = 4;
pub const MARKETING: u8 = 0;
pub const PERSONALISATION: u8 = 1;
pub const MEASUREMENT: u8 = 2;
pub const OPT_IN: u8 = 0;
pub const OPT_OUT: u8 = 1;
pub const PENDING: u8 = 2;

#[derive(Debug, Clone, Copy)]
pub struct ConsentEvent {
    pub record: u32,
    pub channel: u8,
    pub purpose: u8,
    pub status: u8,
    pub at: i64,
    pub point: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Completed,
    Cancelled,
    Returned,
    PartiallyReturned,
}

impl OrderStatus {
    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
            OrderStatus::PartiallyReturned => "partially_returned",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Order {
    pub source: Source,
    /// Chunk-local record index of the buyer (None: anonymous store sale).
    pub record: Option<u32>,
    pub store: Option<u8>,
    pub associate: Option<u32>,
    pub register: u8,
    pub at: i64,
    pub currency: Currency,
    pub country: Country,
    pub status: OrderStatus,
    pub lines: (u32, u32),
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
    pub refunded: i64,
    pub discount_code: Option<&'static str>,
    /// Per-source (Shopify) or per-store (Cegid) sequence number, assigned by the writer.
    pub number: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub product: u32,
    pub quantity: i32,
    pub unit_price: i64,
    pub discount: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    EmailSent,
    EmailOpen,
    EmailClick,
    SmsSent,
    WebVisit,
    ProductView,
    CartAbandoned,
    StoreVisit,
    Appointment,
    ServiceCall,
    EventAttendance,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::EmailSent => "email_sent",
            Kind::EmailOpen => "email_open",
            Kind::EmailClick => "email_click",
            Kind::SmsSent => "sms_sent",
            Kind::WebVisit => "web_visit",
            Kind::ProductView => "product_view",
            Kind::CartAbandoned => "cart_abandoned",
            Kind::StoreVisit => "store_visit",
            Kind::Appointment => "appointment",
            Kind::ServiceCall => "service_call",
            Kind::EventAttendance => "event_attendance",
        }
    }

    pub fn channel(self) -> &'static str {
        match self {
            Kind::EmailSent | Kind::EmailOpen | Kind::EmailClick => "email",
            Kind::SmsSent => "sms",
            Kind::WebVisit | Kind::ProductView | Kind::CartAbandoned => "web",
            Kind::StoreVisit | Kind::Appointment => "store",
            Kind::ServiceCall => "phone",
            Kind::EventAttendance => "event",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Interaction {
    pub record: u32,
    pub kind: Kind,
    pub campaign: Option<u32>,
    pub store: Option<u8>,
    pub at: i64,
}

/// Per-record facts derived from its events and orders, written in the native exports.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordFacts {
    /// Latest marketing consent status per channel (email, sms, phone, post), if any.
    pub latest: [Option<u8>; 4],
    pub orders: u32,
    /// Amount spent in euro cents (Shopify's "Total Spent").
    pub spent_eur: i64,
}

impl RecordFacts {
    pub fn opted_in(&self, channel: u8) -> bool {
        self.latest.get(usize::from(channel)).copied().flatten() == Some(OPT_IN)
    }
}

/// Everything generated for one chunk, ready to be numbered and written.
#[derive(Debug)]
pub struct ChunkData {
    pub index: u64,
    pub first_person: u64,
    pub records: Vec<Record>,
    pub facts: Vec<RecordFacts>,
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
    pub events: Vec<ConsentEvent>,
    pub interactions: Vec<Interaction>,
}

fn order_count(rng: &mut Rng, vip: bool) -> u32 {
    let base = match rng.below(1000) {
        0..95 => 0,
        95..545 => 1,
        545..735 => 2,
        735..850 => rng.range(3, 4),
        850..935 => rng.range(5, 9),
        935..980 => rng.range(10, 19),
        980..996 => rng.range(20, 39),
        _ => rng.range(40, 90),
    } as u32;
    if vip { base * 3 + 2 } else { base }
}

/// Demand by month (sales in January and July, gifts in December).
const MONTH_WEIGHT: [u32; 12] = [13, 8, 9, 9, 10, 10, 12, 8, 9, 10, 12, 16];

/// A day in `[from, to]` following the seasonal demand.
fn seasonal_day(rng: &mut Rng, from: i64, to: i64) -> i64 {
    if to <= from {
        return from;
    }
    loop {
        let day = rng.range(from, to);
        let (_, m, _) = text::civil_from_days(day);
        if rng.below(16) < u64::from(MONTH_WEIGHT[(m - 1) as usize]) {
            return day;
        }
    }
}

fn in_sales(day: i64) -> bool {
    let (_, m, d) = text::civil_from_days(day);
    matches!((m, d), (1, 2..=31) | (2, 1..=5) | (6, 24..=30) | (7, _))
}

fn round_to(amount: i64, unit: i64) -> i64 {
    if unit <= 1 {
        amount
    } else {
        (amount + unit / 2) / unit * unit
    }
}

#[allow(clippy::too_many_arguments)]
fn make_order(
    rng: &mut Rng,
    world: &World,
    source: Source,
    record: Option<u32>,
    store: Option<u8>,
    at: i64,
    country: Country,
    first_order: bool,
    vip: bool,
    lines: &mut Vec<Line>,
) -> Option<Order> {
    let day = at.div_euclid(SECS_PER_DAY);
    let currency = match store {
        Some(s) => STORES[usize::from(s)].currency,
        None => country.shop_currency(),
    };
    let unit = currency.rounding();
    let n_lines = 1 + rng.weighted(&[55, 27, 12, 6]);
    let start = lines.len() as u32;
    let mut subtotal = 0i64;
    for _ in 0..n_lines {
        let Some(p) = world.catalog.pick(rng, day) else {
            break;
        };
        let product = &world.catalog.products[p as usize];
        let quantity = match product.category {
            Category::Fragrance => 1 + rng.weighted(&[70, 22, 8]) as i32,
            Category::Accessories if rng.chance(0.1) => 2,
            _ => 1,
        };
        let unit_price = currency.price_from_eur(product.price_eur);
        let gross = unit_price * i64::from(quantity);
        let markdown =
            in_sales(day) && !product.permanent && day - product.launched > 150 && rng.chance(0.6);
        let discount = if markdown {
            round_to(gross * (30 + 10 * rng.below(3) as i64) / 100, unit)
        } else {
            0
        };
        let total = gross - discount;
        subtotal += total;
        lines.push(Line {
            product: p,
            quantity,
            unit_price,
            discount,
            total,
        });
    }
    let end = lines.len() as u32;
    if end == start {
        return None;
    }
    let (discount_code, pct) = if rng.chance(0.07) {
        match source {
            Source::Shopify if first_order => (Some("WELCOME10"), 10),
            Source::Shopify if vip => (Some("VIP15"), 15),
            Source::Shopify => (Some("FRIENDS20"), 20),
            _ if vip => (Some("REMISE-VIP"), 10),
            _ => (Some("CARTE-CADEAU"), 5),
        }
    } else {
        (None, 0)
    };
    let discount = round_to(subtotal * pct / 100, unit);
    let shipping = if source == Source::Shopify {
        let (threshold, fee) = match currency {
            Currency::Eur => (50_000, 1_500),
            Currency::Gbp => (45_000, 1_200),
            Currency::Usd => (55_000, 2_000),
            Currency::Jpy => (8_000_000, 200_000),
            Currency::Krw => (70_000_000, 2_500_000),
        };
        if subtotal - discount >= threshold {
            0
        } else {
            fee
        }
    } else {
        0
    };
    let total = subtotal - discount + shipping;
    let tax_bp = match store {
        Some(s) => STORES[usize::from(s)].country.tax_bp(),
        None => country.tax_bp(),
    };
    let tax = round_to(total * tax_bp / (10_000 + tax_bp), 1);
    let multi = end - start > 1 || lines[start as usize].quantity > 1;
    let (cancel, ret, partial) = match source {
        Source::Shopify => (30, 60, 30),
        _ => (10, 30, 20),
    };
    let roll = rng.below(1000);
    let status = if roll < cancel {
        OrderStatus::Cancelled
    } else if roll < cancel + ret {
        OrderStatus::Returned
    } else if roll < cancel + ret + partial && multi {
        OrderStatus::PartiallyReturned
    } else {
        OrderStatus::Completed
    };
    let refunded = match status {
        OrderStatus::Returned => total,
        OrderStatus::PartiallyReturned => {
            let i = start as usize + rng.index((end - start) as usize);
            let line = lines[i];
            if line.quantity > 1 {
                line.total / i64::from(line.quantity)
            } else {
                line.total
            }
        }
        _ => 0,
    };
    Some(Order {
        source,
        record,
        store,
        associate: None,
        register: 1 + rng.below(3) as u8,
        at,
        currency,
        country,
        status,
        lines: (start, end),
        subtotal,
        discount,
        shipping,
        tax,
        total,
        refunded,
        discount_code,
        number: 0,
    })
}

/// Consent events of one record; returns the record's e-mail and SMS opt-in windows.
fn consents(
    rng: &mut Rng,
    world: &World,
    r: u32,
    rec: &mut Record,
    events: &mut Vec<ConsentEvent>,
    facts: &mut RecordFacts,
) -> [Option<(i64, i64)>; 2] {
    let end = world.end;
    let created = rec.created;
    let first = events.len();
    let push = |events: &mut Vec<ConsentEvent>, channel, purpose, status, at, point| {
        events.push(ConsentEvent {
            record: r,
            channel,
            purpose,
            status,
            at,
            point,
        });
    };
    let later = |rng: &mut Rng, after: i64| -> Option<i64> {
        (after + 86_400 < end).then(|| rng.range(after + 3_600, end - 1))
    };
    match rec.source {
        Source::Cegid => {
            let point = "pos_form";
            let mut t = created;
            let channels = [
                (EMAIL, rec.email.is_some(), 0.58),
                (SMS, rec.phone.is_some(), 0.42),
                (PHONE, rec.phone.is_some(), 0.3),
                (POST, rec.line1.is_some(), 0.45),
            ];
            for (channel, present, p) in channels {
                if present {
                    let status = if rng.chance(p) { OPT_IN } else { OPT_OUT };
                    push(events, channel, MARKETING, status, t, point);
                    t += 1;
                }
            }
            if rec.email.is_some() && rng.chance(0.3) {
                push(events, EMAIL, PERSONALISATION, OPT_IN, t, "clienteling");
            }
        }
        Source::Shopify => {
            let point = if rng.chance(0.6) {
                "checkout"
            } else {
                "account"
            };
            // The first event is the account creation itself (Shopify's customer export has no
            // creation date: ingest takes it from here).
            if rec.email.is_some() {
                let status = if rng.chance(0.48) { OPT_IN } else { OPT_OUT };
                push(events, EMAIL, MARKETING, status, created, point);
                if rec.phone.is_some() {
                    let status = if rng.chance(0.25) { OPT_IN } else { OPT_OUT };
                    push(events, SMS, MARKETING, status, created + 1, point);
                }
            } else {
                let status = if rng.chance(0.3) { OPT_IN } else { OPT_OUT };
                push(events, SMS, MARKETING, status, created, point);
            }
            if rng.chance(0.7) {
                let status = if rng.chance(0.65) { OPT_IN } else { OPT_OUT };
                push(
                    events,
                    ANALYTICS,
                    MEASUREMENT,
                    status,
                    created + 2,
                    "cookie_banner",
                );
            }
        }
        Source::Web => {
            if rng.chance(0.8) {
                let status = if rng.chance(0.6) { OPT_IN } else { OPT_OUT };
                let at = created - rng.range(5, 300);
                push(events, ANALYTICS, MEASUREMENT, status, at, "cookie_banner");
                if status == OPT_IN && rng.chance(0.4) {
                    push(
                        events,
                        ANALYTICS,
                        PERSONALISATION,
                        OPT_IN,
                        at + 1,
                        "cookie_banner",
                    );
                }
            }
            if rec.form_email_opt_in {
                push(events, EMAIL, MARKETING, PENDING, created, "web_form");
                if rng.chance(0.8) {
                    let confirmed = created + rng.range(30, 3 * 86_400);
                    if confirmed < end {
                        push(
                            events,
                            EMAIL,
                            MARKETING,
                            OPT_IN,
                            confirmed,
                            "double_opt_in_confirmation",
                        );
                        rec.confirmed = Some(confirmed);
                    }
                }
            } else {
                push(events, EMAIL, MARKETING, OPT_OUT, created, "web_form");
            }
            if rec.form_sms_opt_in {
                push(events, SMS, MARKETING, OPT_IN, created + 1, "web_form");
            }
        }
    }
    // Later changes of mind: unsubscribe links, STOP replies, re-subscriptions in store.
    let initial = events.len();
    for i in first..initial {
        let e = events[i];
        if e.purpose != MARKETING || e.channel == ANALYTICS {
            continue;
        }
        // Only the latest event of a channel may change again.
        if events[i + 1..initial]
            .iter()
            .any(|x| x.channel == e.channel && x.purpose == MARKETING)
        {
            continue;
        }
        match (e.channel, e.status) {
            (EMAIL, OPT_IN) if rng.chance(0.15) => {
                if let Some(at) = later(rng, e.at) {
                    push(events, EMAIL, MARKETING, OPT_OUT, at, "unsubscribe_link");
                }
            }
            (SMS, OPT_IN) if rng.chance(0.1) => {
                if let Some(at) = later(rng, e.at) {
                    push(events, SMS, MARKETING, OPT_OUT, at, "sms_stop");
                }
            }
            (EMAIL | SMS, OPT_OUT) if rng.chance(0.06) => {
                if let Some(at) = later(rng, e.at) {
                    let point = match rec.source {
                        Source::Cegid => "store_update",
                        Source::Shopify => "account",
                        Source::Web => "preference_center",
                    };
                    push(events, e.channel, MARKETING, OPT_IN, at, point);
                }
            }
            (PHONE | POST, OPT_IN) if rng.chance(0.05) => {
                if let Some(at) = later(rng, e.at) {
                    push(
                        events,
                        e.channel,
                        MARKETING,
                        OPT_OUT,
                        at,
                        "customer_service",
                    );
                }
            }
            _ => {}
        }
    }
    // Latest state and opt-in windows per marketing channel.
    let mut windows = [None, None];
    for channel in [EMAIL, SMS, PHONE, POST] {
        let mut latest: Option<(i64, u8)> = None;
        let mut window: Option<(i64, i64)> = None;
        let mut chain: Vec<(i64, u8)> = events[first..]
            .iter()
            .filter(|e| e.channel == channel && e.purpose == MARKETING)
            .map(|e| (e.at, e.status))
            .collect();
        chain.sort_unstable();
        for &(at, status) in &chain {
            latest = Some((at, status));
            match (status, window) {
                (OPT_IN, None) => window = Some((at, end)),
                (OPT_OUT, Some((s, e))) if e == end => window = Some((s, at)),
                _ => {}
            }
        }
        facts.latest[usize::from(channel)] = latest.map(|l| l.1);
        if channel == EMAIL {
            windows[0] = window;
        } else if channel == SMS {
            windows[1] = window;
        }
    }
    if let Some(last) = events[first..].iter().map(|e| e.at).max() {
        rec.updated = rec.updated.max(last).max(created);
    }
    windows
}

fn interactions(
    rng: &mut Rng,
    world: &World,
    r: u32,
    rec: &Record,
    orders: u32,
    windows: [Option<(i64, i64)>; 2],
    out: &mut Vec<Interaction>,
) {
    let end = world.end;
    let created = rec.created;
    if created >= end - 3_600 {
        return;
    }
    let mut push = |kind, campaign, store, at| {
        out.push(Interaction {
            record: r,
            kind,
            campaign,
            store,
            at,
        })
    };
    let o = i64::from(orders.min(12));
    if let Some((from, to)) = windows[0] {
        let touches = rng.range(0, 3 + 2 * o);
        for _ in 0..touches {
            if to <= from + 60 {
                break;
            }
            let at = rng.range(from + 60, to - 1);
            let campaign = Some(world.campaigns.pick(rng, at));
            push(Kind::EmailSent, campaign, None, at);
            if rng.chance(0.35) {
                let open = (at + rng.range(60, 3 * 86_400)).min(end - 2);
                push(Kind::EmailOpen, campaign, None, open);
                if rng.chance(0.3) {
                    push(
                        Kind::EmailClick,
                        campaign,
                        None,
                        (open + rng.range(5, 600)).min(end - 1),
                    );
                }
            }
        }
    }
    if let Some((from, to)) = windows[1] {
        for _ in 0..rng.range(0, 3) {
            if to <= from + 60 {
                break;
            }
            let at = rng.range(from + 60, to - 1);
            push(Kind::SmsSent, Some(world.campaigns.pick(rng, at)), None, at);
        }
    }
    match rec.source {
        Source::Cegid => {
            let store = rec.store.unwrap_or(0);
            let s = &STORES[usize::from(store).min(STORES.len() - 1)];
            let first_day = created.div_euclid(SECS_PER_DAY) + 1;
            let last_day = end.div_euclid(SECS_PER_DAY) - 1;
            if first_day < last_day {
                for _ in 0..rng.range(0, 2 + o) {
                    let day = rng.range(first_day, last_day);
                    let at = records::store_instant(rng, s, day);
                    push(Kind::StoreVisit, None, Some(store), at);
                }
                for _ in 0..o {
                    if rng.chance(0.15) {
                        let day = rng.range(first_day, last_day);
                        let at = records::store_instant(rng, s, day);
                        push(Kind::Appointment, None, Some(store), at);
                    }
                    if rng.chance(0.08) {
                        push(
                            Kind::ServiceCall,
                            None,
                            None,
                            rng.range(created + 60, end - 1),
                        );
                    }
                }
                if rng.chance(0.06) {
                    for _ in 0..rng.range(1, 2) {
                        let day = rng.range(first_day, last_day);
                        let at = records::store_instant(rng, s, day);
                        let campaign = Some(world.campaigns.pick(rng, at));
                        push(Kind::EventAttendance, campaign, Some(store), at);
                    }
                }
            }
        }
        Source::Shopify | Source::Web => {
            let visits = if rec.source == Source::Shopify {
                rng.range(0, 2 + 2 * o)
            } else {
                rng.range(0, 3)
            };
            for _ in 0..visits {
                let at = rng.range(created + 60, end - 1);
                let campaign = rng.chance(0.2).then(|| world.campaigns.pick(rng, at));
                push(Kind::WebVisit, campaign, None, at);
                if rng.chance(0.5) {
                    push(
                        Kind::ProductView,
                        None,
                        None,
                        (at + rng.range(5, 900)).min(end - 1),
                    );
                }
            }
            if rec.source == Source::Shopify {
                for _ in 0..o {
                    if rng.chance(0.3) {
                        push(
                            Kind::CartAbandoned,
                            None,
                            None,
                            rng.range(created + 60, end - 1),
                        );
                    }
                }
            }
        }
    }
}

/// Source ids: Cegid client codes, 13-digit Shopify ids, web sign-up UUIDs. The global record
/// ordinal goes through a keyed permutation, so ids look random but never collide, and the
/// records of one person are not numbered next to each other.
pub struct Ids {
    cegid: Permutation,
    shopify: Permutation,
    web: Permutation,
    seed: u64,
}

impl Ids {
    pub fn new(seed: u64, records: u64) -> Self {
        Self {
            cegid: Permutation::new(seed ^ 0xC0DE_C1E1, records),
            shopify: Permutation::new(seed ^ 0x5407_1F11, records),
            web: Permutation::new(seed ^ 0x0000_0EB0, records),
            seed,
        }
    }

    pub fn id(&self, source: Source, ordinal: u64) -> String {
        match source {
            Source::Cegid => format!("C{:09}", 100_000 + self.cegid.apply(ordinal)),
            Source::Shopify => {
                format!(
                    "{}",
                    7_108_000_000_000u64 + self.shopify.apply(ordinal) * 41 + 7
                )
            }
            Source::Web => {
                let p = self.web.apply(ordinal);
                let a = super::rng::mix64(self.seed ^ p.wrapping_mul(0x9E37_79B9));
                let tail = p.wrapping_mul(0x5_DEEC_E66D) & 0xFFFF_FFFF_FFFF;
                format!(
                    "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                    a >> 32,
                    (a >> 16) & 0xFFFF,
                    a & 0xFFF,
                    0x8000 | ((a >> 48) & 0x3FFF),
                    tail
                )
            }
        }
    }
}

/// Generates a chunk: records of its persons (shuffled), their consents, orders and interactions.
pub fn generate_chunk(
    world: &World,
    ids: &Ids,
    chunk: &ChunkPersons,
    index: u64,
    first_record: u64,
) -> ChunkData {
    let mut rng = Rng::derive(world.seed, Stream::Records, index);
    let mut recs: Vec<Record> = Vec::with_capacity(chunk.persons.len() * 5 / 4 + 4);
    let mut shopify_emails = std::collections::HashSet::new();
    let mut shopify_phones = std::collections::HashSet::new();
    for (i, person) in chunk.persons.iter().enumerate() {
        records::person_records(
            &mut rng,
            world,
            person,
            i as u32,
            &mut shopify_emails,
            &mut shopify_phones,
            &mut recs,
        );
    }
    rng.shuffle(&mut recs);
    for (i, rec) in recs.iter_mut().enumerate() {
        rec.id = ids.id(rec.source, first_record + i as u64);
    }
    let mut facts = vec![RecordFacts::default(); recs.len()];
    let mut orders: Vec<Order> = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut events: Vec<ConsentEvent> = Vec::new();
    let mut inter: Vec<Interaction> = Vec::new();
    let end_day = world.end.div_euclid(SECS_PER_DAY) - 1;
    for (r, rec) in recs.iter_mut().enumerate() {
        let r32 = r as u32;
        let windows = consents(&mut rng, world, r32, rec, &mut events, &mut facts[r]);
        let person = &chunk.persons[rec.person as usize];
        let n = if rec.source == Source::Web {
            0
        } else {
            order_count(&mut rng, person.vip)
        };
        let created_day = rec.created.div_euclid(SECS_PER_DAY);
        let country = rec.home_country;
        let mut last_order = rec.created;
        for k in 0..n {
            let first = k == 0 && rng.chance(0.85);
            let (store, at) = match rec.source {
                Source::Cegid => {
                    let home = rec.store.unwrap_or(person.home_store);
                    let store = if first || rng.chance(0.85) {
                        home
                    } else {
                        rng.weighted(&STORE_WEIGHTS) as u8
                    };
                    let opened = world.as_of - STORES[usize::from(store)].age_days;
                    let at = if first {
                        rec.created
                    } else {
                        let day = seasonal_day(&mut rng, created_day.max(opened), end_day);
                        records::store_instant(&mut rng, &STORES[usize::from(store)], day)
                    };
                    (Some(store), at)
                }
                _ => {
                    let at = if first {
                        rec.created + rng.range(5, 90)
                    } else {
                        let day = seasonal_day(&mut rng, created_day, end_day);
                        records::home_instant(&mut rng, rec.tz, day)
                    };
                    (None, at)
                }
            };
            if at >= world.end || at < rec.created {
                continue;
            }
            if let Some(mut order) = make_order(
                &mut rng,
                world,
                rec.source,
                Some(r32),
                store,
                at,
                country,
                k == 0,
                person.vip,
                &mut lines,
            ) {
                if let Some(s) = store {
                    order.associate = world.associate_on(&mut rng, s, at.div_euclid(SECS_PER_DAY));
                }
                let f = &mut facts[r];
                f.orders += 1;
                if order.status != OrderStatus::Cancelled {
                    f.spent_eur += order.currency.to_eur(order.total - order.refunded);
                }
                last_order = last_order.max(at);
                orders.push(order);
            }
        }
        if rec.source != Source::Web {
            rec.updated = rec.updated.max(last_order);
        } else {
            rec.updated = rec.confirmed.unwrap_or(rec.created);
        }
        interactions(
            &mut rng,
            world,
            r32,
            rec,
            facts[r].orders,
            windows,
            &mut inter,
        );
    }
    // Anonymous store sales: about 5% of tickets have no client attached.
    let cegid_tickets = orders.iter().filter(|o| o.source == Source::Cegid).count();
    let anonymous = cegid_tickets * 5 / 95;
    for _ in 0..anonymous {
        let store = rng.weighted(&STORE_WEIGHTS) as u8;
        let s = &STORES[usize::from(store)];
        let opened = world.as_of - s.age_days;
        let day = seasonal_day(&mut rng, opened.max(world.as_of - 15 * 365), end_day);
        let at = records::store_instant(&mut rng, s, day);
        if let Some(mut order) = make_order(
            &mut rng,
            world,
            Source::Cegid,
            None,
            Some(store),
            at,
            s.country,
            false,
            false,
            &mut lines,
        ) {
            order.associate = world.associate_on(&mut rng, store, day);
            orders.push(order);
        }
    }
    // Exports list sales in time order.
    orders.sort_by_key(|o| o.at);
    ChunkData {
        index,
        first_person: chunk.first_person,
        records: recs,
        facts,
        orders,
        lines,
        events,
        interactions: inter,
    }
}

static STORE_WEIGHTS: [u32; 12] = {
    let mut w = [0u32; 12];
    let mut i = 0;
    while i < 12 {
        w[i] = STORES[i].weight;
        i += 1;
    }
    w
};
