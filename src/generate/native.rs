//! Rendering in each source's native export format.
//!
//! Shopify: its customer and order CSV exports (comma, UTF-8, the real column sets; one order row
//! per line item with the order fields repeated; timestamps in the shop's time zone). Cegid Y2:
//! `;`-separated, Windows-1252, CRLF, French column names, `dd/mm/yyyy` dates, comma decimals.
//! Web sign-ups as JSON lines; consent events, interactions and the catalog as plain CSV.

use std::path::Path;

use chrono_tz::Europe;
use serde::Serialize;

use super::activity::{self, ChunkData, Order, OrderStatus, PURPOSES, STATUSES};
use super::catalog::STORES;
use super::people::ChunkPersons;
use super::records::{self, CORRUPTIONS, Record, Source};
use super::rng::{Rng, Stream};
use super::text::{self, Csv};
use super::{ChunkOutput, Counters, GenerateError, Native, World};

const SHOPIFY_CUSTOMER_COLUMNS: [&str; 20] = [
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
];

const SHOPIFY_ORDER_COLUMNS: &str = "Name,Email,Financial Status,Paid at,Fulfillment Status,\
Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,\
Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,\
Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,\
Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,\
Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,\
Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,\
Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,\
Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,\
Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,\
Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,\
Payment ID,Payment Terms Name,Next Payment Due At,Payment References";

const CEGID_CLIENT_COLUMNS: [&str; 23] = [
    "CODE_CLIENT",
    "CIVILITE",
    "NOM",
    "PRENOM",
    "EMAIL",
    "TELEPHONE",
    "DATE_NAISSANCE",
    "ADRESSE1",
    "ADRESSE2",
    "CODE_POSTAL",
    "VILLE",
    "REGION",
    "PAYS",
    "LANGUE",
    "ETABLISSEMENT",
    "VENDEUR",
    "ORIGINE",
    "DATE_CREATION",
    "DATE_MODIFICATION",
    "OPTIN_EMAIL",
    "OPTIN_SMS",
    "OPTIN_TELEPHONE",
    "OPTIN_COURRIER",
];

const CEGID_TICKET_COLUMNS: [&str; 20] = [
    "ETABLISSEMENT",
    "CAISSE",
    "NUMERO_TICKET",
    "DATE_TICKET",
    "CODE_CLIENT",
    "VENDEUR",
    "DEVISE",
    "STATUT",
    "CODE_PROMO",
    "NUMERO_LIGNE",
    "CODE_ARTICLE",
    "LIBELLE",
    "QUANTITE",
    "PRIX_UNITAIRE",
    "REMISE_LIGNE",
    "MONTANT_LIGNE",
    "TOTAL_LIGNES",
    "REMISE_TICKET",
    "TOTAL_TTC",
    "TVA",
];

const CEGID_STORE_COLUMNS: [&str; 14] = [
    "CODE_ETABLISSEMENT",
    "LIBELLE",
    "ADRESSE1",
    "CODE_POSTAL",
    "VILLE",
    "PAYS",
    "ZONE",
    "FUSEAU_HORAIRE",
    "DEVISE",
    "TELEPHONE",
    "EMAIL",
    "HORAIRES",
    "RESPONSABLE",
    "DATE_OUVERTURE",
];

const CEGID_ASSOCIATE_COLUMNS: [&str; 9] = [
    "CODE_VENDEUR",
    "NOM",
    "PRENOM",
    "ETABLISSEMENT",
    "FONCTION",
    "EMAIL",
    "DATE_ENTREE",
    "DATE_SORTIE",
    "RESPONSABLE",
];

const CONSENT_COLUMNS: [&str; 8] = [
    "source_system",
    "event_id",
    "customer_source_id",
    "channel",
    "purpose",
    "status",
    "recorded_at",
    "collection_point",
];

const INTERACTION_COLUMNS: [&str; 8] = [
    "source_system",
    "interaction_id",
    "customer_source_id",
    "type",
    "channel",
    "campaign",
    "store_id",
    "occurred_at",
];

const PRODUCT_COLUMNS: [&str; 12] = [
    "sku",
    "style_code",
    "name",
    "category",
    "subcategory",
    "collection",
    "season",
    "color",
    "size",
    "price",
    "currency",
    "launched_on",
];

const GROUND_TRUTH_COLUMNS: [&str; 6] = [
    "source_system",
    "source_id",
    "person_id",
    "corruptions",
    "homonym_group",
    "household_id",
];

/// The header line of a per-chunk file.
pub fn header(file: Native) -> Vec<u8> {
    let (columns, delim, crlf): (Vec<&str>, u8, bool) = match file {
        Native::ShopifyCustomers => (SHOPIFY_CUSTOMER_COLUMNS.to_vec(), b',', false),
        Native::ShopifyOrders => (SHOPIFY_ORDER_COLUMNS.split(',').collect(), b',', false),
        Native::CegidClients => (CEGID_CLIENT_COLUMNS.to_vec(), b';', true),
        Native::CegidTickets => (CEGID_TICKET_COLUMNS.to_vec(), b';', true),
        Native::WebSignups => return Vec::new(),
        Native::Consents => (CONSENT_COLUMNS.to_vec(), b',', false),
        Native::Interactions => (INTERACTION_COLUMNS.to_vec(), b',', false),
        Native::GroundTruth => (GROUND_TRUTH_COLUMNS.to_vec(), b',', false),
    };
    let mut csv = Csv::new(delim, crlf);
    csv.header(&columns);
    csv.buf
}

// Ids shared with the canonical tables.

pub fn person_id(index: u64) -> String {
    format!("P{:08}", index + 1)
}

pub fn homonym_id(group: u32) -> String {
    format!("HG{:06}", group + 1)
}

pub fn household_id(household: u32) -> String {
    format!("HH{:06}", household + 1)
}

pub fn shopify_order_name(number: u64) -> String {
    format!("#{}", 1000 + number)
}

pub fn shopify_order_id(number: u64) -> String {
    format!("{}", 5_210_000_000_000u64 + number * 97 + 13)
}

pub fn ticket_number(number: u64) -> String {
    format!("{number:08}")
}

pub fn cegid_order_id(store: u8, number: u64) -> String {
    format!(
        "{}-{number:08}",
        STORES[usize::from(store).min(STORES.len() - 1)].id
    )
}

/// `order_id` and `order_number` of an order.
pub fn order_ids(order: &Order) -> (String, String) {
    match (order.source, order.store) {
        (Source::Cegid, Some(s)) => (cegid_order_id(s, order.number), ticket_number(order.number)),
        _ => (
            shopify_order_id(order.number),
            shopify_order_name(order.number),
        ),
    }
}

pub fn event_id(source: Source, n: u64) -> String {
    let prefix = match source {
        Source::Cegid => "CG-CNS-",
        Source::Shopify => "SH-CNS-",
        Source::Web => "WB-CNS-",
    };
    format!("{prefix}{n:010}")
}

pub fn interaction_id(source: Source, n: u64) -> String {
    let prefix = match source {
        Source::Cegid => "CG-INT-",
        Source::Shopify => "SH-INT-",
        Source::Web => "WB-INT-",
    };
    format!("{prefix}{n:011}")
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn o_n(b: bool) -> &'static str {
    if b { "O" } else { "N" }
}

/// Shopify's Excel guard: a leading apostrophe on ids, phones and numeric postcodes.
fn apostrophe(csv: &mut Csv, value: Option<&str>) {
    match value {
        Some(v) if !v.is_empty() => {
            let b = csv.raw();
            b.push(b'\'');
            // Values here never need quoting (digits, '+', spaces, dashes, parentheses).
            b.extend_from_slice(v.as_bytes());
        }
        _ => csv.empty(),
    }
}

fn financial_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Completed => "paid",
        OrderStatus::Cancelled => "voided",
        OrderStatus::Returned => "refunded",
        OrderStatus::PartiallyReturned => "partially_refunded",
    }
}

fn cegid_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Completed => "VALIDE",
        OrderStatus::Cancelled => "ANNULE",
        OrderStatus::Returned => "RETOURNE",
        OrderStatus::PartiallyReturned => "RETOUR_PARTIEL",
    }
}

fn tax_name(order: &Order) -> &'static str {
    use super::geo::Country;
    match order.country {
        Country::FR => "FR TVA 20%",
        Country::GB => "GB VAT 20%",
        Country::IT => "IT IVA 22%",
        Country::DE => "DE MwSt 19%",
        Country::BE => "BE TVA 21%",
        Country::CH => "CH MWST 8.1%",
        Country::US => "US Sales Tax",
        Country::JP => "JP Consumption Tax 10%",
        Country::KR => "KR VAT 10%",
        Country::AE => "AE VAT 5%",
    }
}

fn full_name(rec: &Record) -> String {
    match (&rec.first_name, &rec.last_name) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(f), None) => f.clone(),
        (None, Some(l)) => l.clone(),
        (None, None) => String::new(),
    }
}

#[derive(Serialize)]
struct WebConsents {
    email_marketing: bool,
    sms_marketing: bool,
}

#[derive(Serialize)]
struct Signup<'a> {
    signup_id: &'a str,
    submitted_at: &'a str,
    form: &'a str,
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    civility: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    consents: WebConsents,
    #[serde(skip_serializing_if = "Option::is_none")]
    double_opt_in_confirmed_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    utm_source: Option<&'a str>,
}

fn ts_string(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut b = Vec::with_capacity(32);
    f(&mut b);
    String::from_utf8(b).unwrap_or_default()
}

fn to_cp1252(csv: Csv) -> (Vec<u8>, u64) {
    let rows = csv.rows;
    // The buffer was built from `&str` pieces, so it is valid UTF-8.
    let text = std::str::from_utf8(&csv.buf).unwrap_or_default();
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    (bytes.into_owned(), rows)
}

/// Renders one chunk in every per-chunk native file.
pub fn render_chunk(
    world: &World,
    persons: &ChunkPersons,
    data: &ChunkData,
    base: &Counters,
) -> ChunkOutput {
    let mut rng = Rng::derive(world.seed, Stream::Render, data.index);
    let mut corruptions = [0u64; CORRUPTIONS.len()];
    let mut per_source = [0u64; 3];
    let n = data.records.len();
    let mut shop_customers = Csv::with_capacity(b',', false, n * 100);
    let mut clients = Csv::with_capacity(b';', true, n * 120);
    let mut web = Vec::with_capacity(n * 80);
    let mut web_rows = 0u64;
    let mut truth = Csv::with_capacity(b',', false, n * 60);

    for (r, rec) in data.records.iter().enumerate() {
        let facts = &data.facts[r];
        per_source[rec.source as usize] += 1;
        for c in CORRUPTIONS {
            if rec.corruptions & (1 << (c as u8)) != 0 {
                corruptions[c as usize] += 1;
            }
        }
        match rec.source {
            Source::Shopify => {
                let c = &mut shop_customers;
                apostrophe(c, Some(&rec.id));
                c.opt(rec.first_name.as_deref());
                c.opt(rec.last_name.as_deref());
                c.opt(rec.email.as_deref());
                c.field(yes_no(facts.opted_in(activity::EMAIL)));
                let has_address = rec.line1.is_some();
                c.opt(rec.company.filter(|_| has_address));
                c.opt(rec.line1.as_deref());
                c.opt(rec.line2.as_deref());
                c.opt(rec.city.as_deref());
                c.opt(rec.region);
                c.opt(rec.country.as_deref());
                let zip = rec.postcode.as_deref();
                if zip.is_some_and(|z| z.bytes().all(|b| b.is_ascii_digit())) {
                    apostrophe(c, zip);
                } else {
                    c.opt(zip);
                }
                apostrophe(c, rec.address_phone.as_deref());
                apostrophe(
                    c,
                    rec.phone.as_deref().filter(|_| rec.phone_in_phone_column),
                );
                c.field(yes_no(facts.opted_in(activity::SMS)));
                text::push_money(c.raw(), facts.spent_eur, b'.');
                c.int(i64::from(facts.orders));
                let person = &persons.persons[rec.person as usize];
                c.field(if person.vip && rng.chance(0.3) {
                    "Client privé - contacter la boutique avant envoi"
                } else if rng.chance(0.01) {
                    "Gift wrapping, always"
                } else {
                    ""
                });
                c.field("no");
                let mut tags: Vec<&str> = Vec::new();
                if person.vip || facts.orders >= 10 {
                    tags.push("VIP");
                }
                if facts.opted_in(activity::EMAIL) {
                    tags.push("newsletter");
                }
                if rec.home_country != super::geo::Country::FR && rng.chance(0.5) {
                    tags.push("international");
                }
                c.field(&tags.join(", "));
                c.end();
            }
            Source::Cegid => {
                let c = &mut clients;
                let store = rec
                    .store
                    .map(|s| &STORES[usize::from(s).min(STORES.len() - 1)]);
                let offset = |t: i64| store.map(|s| text::utc_offset(s.tz, t)).unwrap_or(0);
                c.field(&rec.id);
                c.opt(rec.civility);
                c.opt(rec.last_name.as_deref());
                c.opt(rec.first_name.as_deref());
                c.opt(rec.email.as_deref());
                c.opt(rec.phone.as_deref());
                match rec.birth {
                    Some(b) => text::push_date_fr(c.raw(), b),
                    None => c.empty(),
                }
                c.opt(rec.line1.as_deref());
                c.opt(rec.line2.as_deref());
                c.opt(rec.postcode.as_deref());
                c.opt(rec.city.as_deref());
                c.opt(rec.region);
                c.opt(rec.country.as_deref());
                c.opt(rec.language);
                c.opt(store.map(|s| s.id));
                c.opt(
                    rec.associate
                        .map(|a| world.associates[a as usize].id.as_str()),
                );
                c.field(match rec.origin {
                    records::Origin::Event => "EVENEMENT",
                    _ => "MAGASIN",
                });
                text::push_ts_fr(c.raw(), rec.created, offset(rec.created));
                text::push_ts_fr(c.raw(), rec.updated, offset(rec.updated));
                c.field(o_n(facts.opted_in(activity::EMAIL)));
                c.field(o_n(facts.opted_in(activity::SMS)));
                c.field(o_n(facts.opted_in(activity::PHONE)));
                c.field(o_n(facts.opted_in(activity::POST)));
                c.end();
            }
            Source::Web => {
                let offset = |t: i64| text::utc_offset(rec.tz, t);
                let submitted =
                    ts_string(|b| text::push_ts_offset(b, rec.created, offset(rec.created)));
                let confirmed = rec
                    .confirmed
                    .map(|t| ts_string(|b| text::push_ts_offset(b, t, offset(t))));
                let birth = rec.birth.map(|b| ts_string(|x| text::push_date_iso(x, b)));
                let signup = Signup {
                    signup_id: &rec.id,
                    submitted_at: &submitted,
                    form: rec.form.code(),
                    email: rec.email.as_deref(),
                    civility: rec.civility,
                    first_name: rec.first_name.as_deref(),
                    last_name: rec.last_name.as_deref(),
                    phone: rec.phone.as_deref(),
                    birth_date: birth.as_deref(),
                    address_line1: rec.line1.as_deref(),
                    address_line2: rec.line2.as_deref(),
                    postal_code: rec.postcode.as_deref(),
                    city: rec.city.as_deref(),
                    country: rec.country.as_deref(),
                    language: rec.language,
                    consents: WebConsents {
                        email_marketing: rec.form_email_opt_in,
                        sms_marketing: rec.form_sms_opt_in,
                    },
                    double_opt_in_confirmed_at: confirmed.as_deref(),
                    utm_source: rec.utm_source,
                };
                // Serializing plain strings and booleans cannot fail.
                if serde_json::to_writer(&mut web, &signup).is_ok() {
                    web.push(b'\n');
                    web_rows += 1;
                }
            }
        }
        // Ground truth.
        let person = &persons.persons[rec.person as usize];
        truth.field(rec.source.code());
        truth.field(&rec.id);
        truth.field(&person_id(data.first_person + u64::from(rec.person)));
        truth.opt(records::labels(rec.corruptions).as_deref());
        truth.opt(person.homonym_group.map(homonym_id).as_deref());
        truth.opt(person.household_id.map(household_id).as_deref());
        truth.end();
    }

    // Orders.
    let lines = data.lines.len();
    let mut shop_orders = Csv::with_capacity(b',', false, lines * 700);
    let mut tickets = Csv::with_capacity(b';', true, lines * 200);
    let mut segment = Csv::new(b',', false);
    let paris = Europe::Paris;
    for order in &data.orders {
        let rec = order.record.map(|r| &data.records[r as usize]);
        let (lo, hi) = order.lines;
        match order.source {
            Source::Shopify => {
                let Some(rec) = rec else { continue };
                let facts = &data.facts[order.record.unwrap_or(0) as usize];
                let name = shopify_order_name(order.number);
                let id = shopify_order_id(order.number);
                let cur = order.currency.code();
                let paid =
                    (order.status != OrderStatus::Cancelled).then(|| order.at + rng.range(2, 60));
                let fulfilled = (order.status != OrderStatus::Cancelled
                    && order.at + 3 * 86_400 < world.end)
                    .then(|| {
                        order.at + rng.range(86_400, 4 * 86_400).min(world.end - order.at - 1)
                    });
                let cancelled = (order.status == OrderStatus::Cancelled)
                    .then(|| order.at + rng.range(3_600, 2 * 86_400).min(world.end - order.at - 1));
                let shipping_method = *rng.pick(&["Standard", "Express", "Click & Collect"]);
                let payment = *rng.pick(&[
                    "Shopify Payments",
                    "Shopify Payments",
                    "PayPal Express Checkout",
                    "Apple Pay",
                ]);
                let reference = format!("c{}.1", 30_000_000_000u64 + order.number * 7);
                let billing_name = full_name(rec);
                let street = match (&rec.line1, &rec.line2) {
                    (Some(a), Some(b)) => Some(format!("{a}, {b}")),
                    (Some(a), None) => Some(a.clone()),
                    _ => None,
                };
                let city = rec.city.as_deref();
                let region_name = rec.line1.as_ref().and_then(|_| {
                    rec.region.map(|_| {
                        super::geo::COUNTRIES
                            .iter()
                            .find(|c| **c == rec.home_country)
                            .and_then(|c| {
                                c.cities()
                                    .iter()
                                    .find(|x| Some(x.name) == city)
                                    .map(|x| x.region_name)
                            })
                            .unwrap_or("")
                    })
                });
                let country = rec.line1.as_ref().map(|_| rec.home_country.iso2());
                // Order-level timestamps, in the shop's time zone, formatted once per order.
                let shop_time = |t: Option<i64>| {
                    let mut b = Vec::with_capacity(26);
                    if let Some(t) = t {
                        text::push_ts_shopify(&mut b, t, text::utc_offset(paris, t));
                    }
                    b
                };
                let (paid, fulfilled_at, created, cancelled) = (
                    shop_time(paid),
                    shop_time(fulfilled),
                    shop_time(Some(order.at)),
                    shop_time(cancelled),
                );
                // Order-level fields are rendered once, then repeated on every line row.
                let s = &mut segment;
                s.field(&name);
                s.opt(rec.email.as_deref());
                s.field(financial_status(order.status));
                s.raw().extend_from_slice(&paid);
                s.field(if fulfilled.is_some() {
                    "fulfilled"
                } else {
                    "unfulfilled"
                });
                s.raw().extend_from_slice(&fulfilled_at);
                s.field(yes_no(facts.opted_in(activity::EMAIL)));
                s.field(cur);
                text::push_money(s.raw(), order.subtotal, b'.');
                text::push_money(s.raw(), order.shipping, b'.');
                text::push_money(s.raw(), order.tax, b'.');
                text::push_money(s.raw(), order.total, b'.');
                s.opt(order.discount_code);
                text::push_money(s.raw(), order.discount, b'.');
                s.field(shipping_method);
                s.raw().extend_from_slice(&created);
                let head = s.take();
                for _ in 0..2 {
                    // Billing, then shipping (the same address).
                    s.field(&billing_name);
                    s.opt(street.as_deref());
                    s.opt(rec.line1.as_deref());
                    s.opt(rec.line2.as_deref());
                    s.opt(rec.company.filter(|_| rec.line1.is_some()));
                    s.opt(city.filter(|_| rec.line1.is_some()));
                    s.opt(rec.postcode.as_deref().filter(|_| rec.line1.is_some()));
                    s.opt(rec.region.filter(|_| rec.line1.is_some()));
                    s.opt(country);
                    s.opt(rec.phone.as_deref().filter(|_| rec.line1.is_some()));
                }
                s.empty(); // Notes
                s.empty(); // Note Attributes
                s.raw().extend_from_slice(&cancelled);
                s.field(payment);
                s.field(&reference);
                text::push_money(s.raw(), order.refunded, b'.');
                s.field("Maison Amigo");
                text::push_money(s.raw(), 0, b'.');
                s.empty(); // Employee
                s.empty(); // Location
                s.empty(); // Device ID
                s.field(&id);
                s.empty(); // Tags
                s.field("Low");
                s.field("web");
                let middle = s.take();
                s.field(tax_name(order));
                text::push_money(s.raw(), order.tax, b'.');
                for _ in 0..8 {
                    s.empty(); // Tax 2..5 name and value
                }
                s.opt(rec.phone.as_deref());
                s.empty(); // Receipt Number
                s.empty(); // Duties
                s.opt(region_name.filter(|n| !n.is_empty()));
                s.opt(region_name.filter(|n| !n.is_empty()));
                s.field(&format!("{name}.1"));
                s.empty(); // Payment Terms Name
                s.empty(); // Next Payment Due At
                s.field(&reference);
                let tail = s.take();
                for line in &data.lines[lo as usize..hi as usize] {
                    let product = &world.catalog.products[line.product as usize];
                    let c = &mut shop_orders;
                    c.segment(&head);
                    c.int(i64::from(line.quantity));
                    c.field(&product.name);
                    text::push_money(c.raw(), line.unit_price, b'.');
                    c.empty();
                    c.field(&product.sku);
                    c.field("true");
                    c.field("true");
                    c.field(if fulfilled.is_some() {
                        "fulfilled"
                    } else {
                        "pending"
                    });
                    c.segment(&middle);
                    text::push_money(c.raw(), line.discount, b'.');
                    c.segment(&tail);
                    c.end();
                }
            }
            Source::Cegid | Source::Web => {
                let Some(s) = order.store else { continue };
                let store = &STORES[usize::from(s).min(STORES.len() - 1)];
                let number = ticket_number(order.number);
                let offset = text::utc_offset(store.tz, order.at);
                let associate = order
                    .associate
                    .map(|a| world.associates[a as usize].id.as_str());
                for (k, line) in data.lines[lo as usize..hi as usize].iter().enumerate() {
                    let product = &world.catalog.products[line.product as usize];
                    let c = &mut tickets;
                    c.field(store.id);
                    c.int(i64::from(order.register));
                    c.field(&number);
                    text::push_ts_fr(c.raw(), order.at, offset);
                    c.opt(rec.map(|r| r.id.as_str()));
                    c.opt(associate);
                    c.field(order.currency.code());
                    c.field(cegid_status(order.status));
                    c.opt(order.discount_code);
                    c.int(k as i64 + 1);
                    c.field(&product.sku);
                    c.field(&text::cp1252_lossy(&product.name));
                    c.int(i64::from(line.quantity));
                    text::push_money(c.raw(), line.unit_price, b',');
                    text::push_money(c.raw(), line.discount, b',');
                    text::push_money(c.raw(), line.total, b',');
                    text::push_money(c.raw(), order.subtotal, b',');
                    text::push_money(c.raw(), order.discount, b',');
                    text::push_money(c.raw(), order.total, b',');
                    text::push_money(c.raw(), order.tax, b',');
                    c.end();
                }
            }
        }
    }

    // Consent events.
    let mut consents = Csv::with_capacity(b',', false, data.events.len() * 100);
    let mut counters = base.events;
    for e in &data.events {
        let rec = &data.records[e.record as usize];
        let n = &mut counters[rec.source as usize];
        *n += 1;
        let c = &mut consents;
        c.field(rec.source.code());
        c.field(&event_id(rec.source, *n));
        c.field(&rec.id);
        c.field(activity::CHANNELS[usize::from(e.channel)]);
        c.field(PURPOSES[usize::from(e.purpose)]);
        c.field(STATUSES[usize::from(e.status)]);
        text::push_ts_utc(c.raw(), e.at);
        c.field(e.point);
        c.end();
    }

    // Interactions.
    let mut inter = Csv::with_capacity(b',', false, data.interactions.len() * 90);
    let mut counters = base.interactions;
    for i in &data.interactions {
        let rec = &data.records[i.record as usize];
        let n = &mut counters[rec.source as usize];
        *n += 1;
        let c = &mut inter;
        c.field(rec.source.code());
        c.field(&interaction_id(rec.source, *n));
        c.field(&rec.id);
        c.field(i.kind.code());
        c.field(i.kind.channel());
        c.opt(
            i.campaign
                .map(|k| world.campaigns.codes[k as usize].as_str()),
        );
        c.opt(
            i.store
                .map(|s| STORES[usize::from(s).min(STORES.len() - 1)].id),
        );
        text::push_ts_utc(c.raw(), i.at);
        c.end();
    }

    let plain = |c: Csv| {
        let rows = c.rows;
        (c.buf, rows)
    };
    ChunkOutput {
        files: vec![
            plain(shop_customers),
            plain(shop_orders),
            to_cp1252(clients),
            to_cp1252(tickets),
            (web, web_rows),
            plain(consents),
            plain(inter),
            plain(truth),
        ],
        tables: Vec::new(),
        corruptions,
        records_per_source: per_source,
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| GenerateError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the files that do not depend on customers: Cegid stores and associates, the catalog.
/// Returns `(path relative to out, rows)` per file.
pub fn write_static(world: &World, out: &Path) -> Result<Vec<(String, u64)>, GenerateError> {
    let mut result = Vec::new();
    let as_of = world.as_of;

    let mut c = Csv::new(b';', true);
    c.header(&CEGID_STORE_COLUMNS);
    for (s, store) in STORES.iter().enumerate() {
        c.field(store.id);
        c.field(store.name);
        c.field(store.address);
        c.field(store.postal_code);
        c.field(store.city);
        c.field(store.country.iso3());
        c.field(store.region_fr());
        c.field(store.tz.name());
        c.field(store.currency.code());
        c.field(store.phone);
        c.field(store.email);
        c.field(store.opening_hours);
        c.opt(manager(world, s as u8).map(|a| a.id.as_str()));
        text::push_date_fr(c.raw(), as_of - store.age_days);
        c.end();
    }
    let path = "native/cegid/ETABLISSEMENTS.csv";
    let (bytes, rows) = to_cp1252(c);
    write_file(&out.join(path), &bytes)?;
    result.push((path.to_string(), rows));

    let mut c = Csv::new(b';', true);
    c.header(&CEGID_ASSOCIATE_COLUMNS);
    for a in &world.associates {
        c.field(&a.id);
        c.field(&a.last_name);
        c.field(&a.first_name);
        c.field(STORES[usize::from(a.store)].id);
        c.field(a.role.label_fr());
        c.field(&a.email);
        text::push_date_fr(c.raw(), a.hired_on);
        match a.left_on {
            Some(d) => text::push_date_fr(c.raw(), d),
            None => c.empty(),
        }
        let boss = if a.role == super::catalog::Role::StoreManager {
            None
        } else {
            manager_on(world, a.store, a.hired_on).map(|m| m.id.as_str())
        };
        c.opt(boss);
        c.end();
    }
    let path = "native/cegid/VENDEURS.csv";
    let (bytes, rows) = to_cp1252(c);
    write_file(&out.join(path), &bytes)?;
    result.push((path.to_string(), rows));

    let mut c = Csv::new(b',', false);
    c.header(&PRODUCT_COLUMNS);
    for p in &world.catalog.products {
        c.field(&p.sku);
        c.field(&p.style_code);
        c.field(&p.name);
        c.field(p.category.code());
        c.field(p.subcategory);
        c.field(p.collection);
        c.field(&p.season);
        c.field(p.color);
        c.field(p.size);
        text::push_money(c.raw(), p.price_eur, b'.');
        c.field("EUR");
        text::push_date_iso(c.raw(), p.launched);
        c.end();
    }
    let path = "native/catalog/products.csv";
    let rows = c.rows;
    write_file(&out.join(path), &c.buf)?;
    result.push((path.to_string(), rows));
    Ok(result)
}

/// The store's current manager.
pub fn manager(world: &World, store: u8) -> Option<&super::catalog::Associate> {
    manager_on(world, store, world.as_of - 1)
}

fn manager_on(world: &World, store: u8, day: i64) -> Option<&super::catalog::Associate> {
    world.staff.get(usize::from(store))?.iter().find_map(|&i| {
        let a = &world.associates[i as usize];
        (a.role == super::catalog::Role::StoreManager && a.employed_on(day)).then_some(a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shopify_order_header_has_the_real_column_count() {
        assert_eq!(SHOPIFY_ORDER_COLUMNS.split(',').count(), 79);
    }
}
