//! Source records: what each system holds about a person, with realistic gaps, each source's
//! conventions, and labelled corruptions on every record but the person's first (reference) one.
//!
//! Source conventions are not corruptions: Cegid stores in France, Italy and Germany type family
//! names in capitals and write phones in the local format, Shopify keeps phones in E.164 and
//! countries as ISO codes, web forms hold whatever the visitor typed. Corruptions are what makes
//! a duplicate differ from the truth beyond that, and each one is named in the ground truth.

use super::World;
use super::catalog::{self, STORES};
use super::geo::{Address, Country, NON_CANONICAL_STYLES, Phone, PhoneStyle};
use super::names::{self, Culture};
use super::people::Person;
use super::rng::Rng;
use super::text::{self, SECS_PER_DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Cegid,
    Shopify,
    Web,
}

pub const SOURCES: [Source; 3] = [Source::Cegid, Source::Shopify, Source::Web];

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Cegid => "cegid",
            Source::Shopify => "shopify",
            Source::Web => "web",
        }
    }

    /// First day the source holds data, as days before `as_of`.
    fn history_days(self) -> i64 {
        match self {
            Source::Cegid => 15 * 365,
            Source::Shopify => 3_470,
            Source::Web => 11 * 365,
        }
    }
}

/// Every corruption label, in the order they are written in the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Corruption {
    TypoFirstName,
    TypoLastName,
    AccentsDropped,
    AccentsAdded,
    SwappedNames,
    Nickname,
    EnglishAlias,
    Romanization,
    NameCase,
    MarriedName,
    EmailCase,
    EmailSpaces,
    GmailDots,
    PlusTag,
    OtherEmail,
    TypoEmail,
    MissingEmail,
    PhoneFormat,
    TypoPhone,
    MissingPhone,
    Moved,
    MissingAddress,
    BirthDateSwapped,
    MissingBirthDate,
}

pub const CORRUPTIONS: [Corruption; 24] = [
    Corruption::TypoFirstName,
    Corruption::TypoLastName,
    Corruption::AccentsDropped,
    Corruption::AccentsAdded,
    Corruption::SwappedNames,
    Corruption::Nickname,
    Corruption::EnglishAlias,
    Corruption::Romanization,
    Corruption::NameCase,
    Corruption::MarriedName,
    Corruption::EmailCase,
    Corruption::EmailSpaces,
    Corruption::GmailDots,
    Corruption::PlusTag,
    Corruption::OtherEmail,
    Corruption::TypoEmail,
    Corruption::MissingEmail,
    Corruption::PhoneFormat,
    Corruption::TypoPhone,
    Corruption::MissingPhone,
    Corruption::Moved,
    Corruption::MissingAddress,
    Corruption::BirthDateSwapped,
    Corruption::MissingBirthDate,
];

impl Corruption {
    pub fn label(self) -> &'static str {
        match self {
            Corruption::TypoFirstName => "typo_first_name",
            Corruption::TypoLastName => "typo_last_name",
            Corruption::AccentsDropped => "accents_dropped",
            Corruption::AccentsAdded => "accents_added",
            Corruption::SwappedNames => "swapped_names",
            Corruption::Nickname => "nickname",
            Corruption::EnglishAlias => "english_alias",
            Corruption::Romanization => "romanization",
            Corruption::NameCase => "name_case",
            Corruption::MarriedName => "married_name",
            Corruption::EmailCase => "email_case",
            Corruption::EmailSpaces => "email_spaces",
            Corruption::GmailDots => "gmail_dots",
            Corruption::PlusTag => "plus_tag",
            Corruption::OtherEmail => "other_email",
            Corruption::TypoEmail => "typo_email",
            Corruption::MissingEmail => "missing_email",
            Corruption::PhoneFormat => "phone_format",
            Corruption::TypoPhone => "typo_phone",
            Corruption::MissingPhone => "missing_phone",
            Corruption::Moved => "moved",
            Corruption::MissingAddress => "missing_address",
            Corruption::BirthDateSwapped => "birth_date_swapped",
            Corruption::MissingBirthDate => "missing_birth_date",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u8)
    }

    /// Relative frequency among applicable corruptions.
    fn weight(self) -> u32 {
        match self {
            Corruption::TypoFirstName | Corruption::TypoLastName => 7,
            Corruption::AccentsDropped => 10,
            Corruption::AccentsAdded => 4,
            Corruption::SwappedNames => 4,
            Corruption::Nickname => 8,
            Corruption::EnglishAlias => 10,
            Corruption::Romanization => 14,
            Corruption::NameCase => 4,
            Corruption::EmailCase => 8,
            Corruption::EmailSpaces => 4,
            Corruption::GmailDots => 7,
            Corruption::PlusTag => 5,
            Corruption::OtherEmail => 8,
            Corruption::TypoEmail => 4,
            Corruption::MissingEmail => 5,
            Corruption::PhoneFormat => 9,
            Corruption::TypoPhone => 3,
            Corruption::MissingPhone => 5,
            Corruption::MissingAddress => 5,
            Corruption::BirthDateSwapped => 3,
            Corruption::MissingBirthDate => 4,
            Corruption::MarriedName | Corruption::Moved => 0,
        }
    }
}

/// Renders a corruption bit set as space-separated labels (None when empty).
pub fn labels(bits: u32) -> Option<String> {
    if bits == 0 {
        return None;
    }
    let mut out = String::new();
    for c in CORRUPTIONS {
        if bits & c.bit() != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(c.label());
        }
    }
    Some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Store,
    Ecommerce,
    WebForm,
    Event,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Store => "store",
            Origin::Ecommerce => "ecommerce",
            Origin::WebForm => "web_form",
            Origin::Event => "event",
        }
    }
}

/// Web form a sign-up came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebForm {
    Newsletter,
    AccountCreate,
    EventRegistration,
    Contest,
    BackInStock,
}

impl WebForm {
    pub fn code(self) -> &'static str {
        match self {
            WebForm::Newsletter => "newsletter",
            WebForm::AccountCreate => "account_create",
            WebForm::EventRegistration => "event_registration",
            WebForm::Contest => "contest",
            WebForm::BackInStock => "back_in_stock",
        }
    }
}

/// One source record, rendered as the source holds it.
#[derive(Debug, Clone)]
pub struct Record {
    pub source: Source,
    /// Chunk-local index of the person.
    pub person: u32,
    pub id: String,
    pub corruptions: u32,
    pub civility: Option<&'static str>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    /// The phone as written (Shopify: the `Phone` column, or the address phone when that is all).
    pub phone: Option<String>,
    /// Shopify's `Default Address Phone`.
    pub address_phone: Option<String>,
    /// Whether `phone` came from Shopify's `Phone` column (else from the address phone).
    pub phone_in_phone_column: bool,
    pub birth: Option<i64>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub region: Option<&'static str>,
    pub country: Option<String>,
    /// The country the address and phone belong to (drives local formats).
    pub home_country: Country,
    pub language: Option<&'static str>,
    pub store: Option<u8>,
    /// Associate (index into the associates list) who created a Cegid record.
    pub associate: Option<u32>,
    pub origin: Origin,
    pub created: i64,
    pub updated: i64,
    pub form: WebForm,
    pub confirmed: Option<i64>,
    pub utm_source: Option<&'static str>,
    pub company: Option<&'static str>,
    pub tz: chrono_tz::Tz,
    /// Email opt-in asked on a web form.
    pub form_email_opt_in: bool,
    pub form_sms_opt_in: bool,
}

fn source_weights(country: Country) -> [u32; 3] {
    match country {
        Country::BE | Country::CH | Country::AE => [30, 50, 20],
        _ => [47, 37, 16],
    }
}

/// Picks the sources of a person's records: mostly different systems, sometimes the same twice.
pub fn record_sources(rng: &mut Rng, person: &Person) -> Vec<Source> {
    let weights = source_weights(person.country());
    let mut out = Vec::with_capacity(usize::from(person.n_records));
    for i in 0..person.n_records {
        let s = if i > 0 && rng.chance(0.72) {
            let unused: Vec<Source> = SOURCES.into_iter().filter(|s| !out.contains(s)).collect();
            if unused.is_empty() {
                SOURCES[rng.weighted(&weights)]
            } else {
                let w: Vec<u32> = unused.iter().map(|s| weights[*s as usize]).collect();
                unused[rng.weighted(&w)]
            }
        } else {
            SOURCES[rng.weighted(&weights)]
        };
        out.push(s);
    }
    out
}

/// A day in `[from, to]`, more likely recent (the brand grows).
pub fn growing_day(rng: &mut Rng, from: i64, to: i64) -> i64 {
    if to <= from {
        return from;
    }
    from + (((to - from) as f64) * rng.f64().sqrt()) as i64
}

/// A wall-clock time during the store's opening hours on `day` (moved to Saturday when the
/// store is closed on Sundays), as a UTC instant.
pub fn store_instant(rng: &mut Rng, store: &catalog::Store, day: i64) -> i64 {
    let day = if !store.open_sunday && text::weekday(day) == 6 {
        day - 1
    } else {
        day
    };
    let (open, close) = store.hours;
    let secs = rng.range(open * 3600 + 300, close * 3600 - 1);
    text::local_to_utc(store.tz, day, secs)
}

/// An instant on `day` at a plausible hour for someone at home in `tz` (evenings busier).
pub fn home_instant(rng: &mut Rng, tz: chrono_tz::Tz, day: i64) -> i64 {
    const HOURS: [u32; 24] = [
        2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 9, 8, 8, 8, 9, 10, 12, 14, 14, 10, 5,
    ];
    let hour = rng.weighted(&HOURS) as i64;
    text::local_to_utc(tz, day, hour * 3600 + rng.range(0, 3599))
}

fn typo(rng: &mut Rng, s: &str) -> Option<String> {
    const NEIGHBOURS: &[(char, &str)] = &[
        ('a', "qszw"),
        ('b', "vghn"),
        ('c', "xdfv"),
        ('d', "serfcx"),
        ('e', "wsdr"),
        ('f', "drtgvc"),
        ('g', "ftyhbv"),
        ('h', "gyujnb"),
        ('i', "ujko"),
        ('j', "huikmn"),
        ('k', "jiolm"),
        ('l', "kopm"),
        ('m', "njkl"),
        ('n', "bhjm"),
        ('o', "iklp"),
        ('p', "ol"),
        ('q', "wa"),
        ('r', "edft"),
        ('s', "awedxz"),
        ('t', "rfgy"),
        ('u', "yhji"),
        ('v', "cfgb"),
        ('w', "qase"),
        ('x', "zsdc"),
        ('y', "tghu"),
        ('z', "asx"),
    ];
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return None;
    }
    for _ in 0..6 {
        let i = 1 + rng.index(chars.len() - 1);
        let mut out = chars.clone();
        match rng.below(4) {
            0 => {
                let c = out[i];
                let lower = c.to_lowercase().next().unwrap_or(c);
                if let Some((_, n)) = NEIGHBOURS.iter().find(|(k, _)| *k == lower) {
                    let bytes = n.as_bytes();
                    let r = char::from(bytes[rng.index(bytes.len())]);
                    out[i] = if c.is_uppercase() {
                        r.to_ascii_uppercase()
                    } else {
                        r
                    };
                }
            }
            1 => {
                out.remove(i);
            }
            2 => out.insert(i, out[i]),
            _ => {
                if i + 1 < out.len() {
                    out.swap(i, i + 1);
                }
            }
        }
        let t: String = out.into_iter().collect();
        if t != s && !t.trim().is_empty() {
            return Some(t);
        }
    }
    None
}

fn email_parts(email: &str) -> (&str, &str) {
    email.split_once('@').unwrap_or((email, ""))
}

fn supports_plus(domain: &str) -> bool {
    domain == "gmail.com"
        || domain.starts_with("outlook.")
        || domain.starts_with("hotmail.")
        || domain.starts_with("live.")
        || domain == "icloud.com"
        || domain == "me.com"
        || domain == "naver.com"
}

fn domain_typo(rng: &mut Rng, domain: &str) -> String {
    let known: &[(&str, &[&str])] = &[
        (
            "gmail.com",
            &[
                "gmial.com",
                "gmail.fr",
                "gmail.con",
                "gmal.com",
                "gmaill.com",
            ],
        ),
        ("hotmail.fr", &["hotmail.com", "hotmial.fr", "hotmal.fr"]),
        ("hotmail.com", &["hotmail.fr", "hotmial.com", "hotmail.co"]),
        ("orange.fr", &["orange.com", "ornage.fr"]),
        ("yahoo.fr", &["yahoo.com", "yaho.fr"]),
        ("yahoo.com", &["yaho.com", "yahoo.co"]),
        ("icloud.com", &["icloud.fr", "iclould.com", "icoud.com"]),
        ("naver.com", &["naver.co.kr", "navr.com"]),
        ("outlook.com", &["outlok.com", "outlook.fr"]),
    ];
    if let Some((_, typos)) = known.iter().find(|(d, _)| *d == domain) {
        return rng.pick(typos).to_string();
    }
    match typo(rng, domain) {
        Some(t) if t.contains('.') => t,
        _ => format!("{domain}m"),
    }
}

/// The family name as written after marriage: the spouse's name, or both.
fn married_display(rng: &mut Rng, married: &str, maiden: &str) -> String {
    match rng.below(100) {
        0..65 => married.to_string(),
        65..90 => format!("{married}-{maiden}"),
        _ => format!("{married} née {maiden}"),
    }
}

fn civility(
    rng: &mut Rng,
    source: Source,
    person: &Person,
    language: &str,
    as_of: i64,
) -> &'static str {
    let young = (as_of - person.birth) / 365 < 30;
    match (source, language) {
        (Source::Cegid, _) => match (person.female, young && rng.chance(0.3)) {
            (false, _) => {
                if rng.chance(0.03) {
                    "Dr"
                } else {
                    "M."
                }
            }
            (true, true) => "Mlle",
            (true, false) => "Mme",
        },
        (_, "fr") => {
            if person.female {
                "Mme"
            } else {
                "M."
            }
        }
        (_, "it") => {
            if person.female {
                "Sig.ra"
            } else {
                "Sig."
            }
        }
        (_, "de") => {
            if person.female {
                "Frau"
            } else {
                "Herr"
            }
        }
        _ => {
            if person.female {
                rng.pick::<&str>(&["Mrs", "Ms", "Ms", "Miss"])
            } else {
                "Mr"
            }
        }
    }
}

/// The working state of a record while corruptions are applied.
struct Draft {
    given: Option<String>,
    family: Option<String>,
    email: Option<String>,
    phone: Option<Phone>,
    address: Option<Address>,
    birth: Option<i64>,
    /// Whether the street lines are shown (web forms often ask only for postcode and city).
    street: bool,
    labels: u32,
    name_case_upper: Option<bool>,
    email_case: u8,
    email_spaces: u8,
    phone_style: Option<PhoneStyle>,
}

impl Draft {
    fn has(&self, c: Corruption) -> bool {
        self.labels & c.bit() != 0
    }
}

/// Romanization variants usable in this source (Windows-1252 sources cannot hold macrons).
fn romanizations(person: &Person, source: Source) -> (Vec<String>, Vec<String>) {
    let mut given = names::given_romanizations(
        person.culture,
        person.female,
        person.first_ref,
        &person.first,
    );
    let mut family = names::surname_romanizations(person.culture, person.last_ref, &person.last);
    if source == Source::Cegid {
        given.retain(|v| v.chars().all(text::is_cp1252));
        family.retain(|v| v.chars().all(text::is_cp1252));
    }
    (given, family)
}

fn applicable(
    c: Corruption,
    d: &Draft,
    person: &Person,
    source: Source,
    roman: &(Vec<String>, Vec<String>),
) -> bool {
    let first_changer = d.has(Corruption::Nickname)
        || d.has(Corruption::EnglishAlias)
        || d.has(Corruption::AccentsAdded);
    let email_domain = d.email.as_deref().map(|e| email_parts(e).1);
    match c {
        Corruption::TypoFirstName => d.given.as_ref().is_some_and(|g| g.chars().count() >= 3),
        Corruption::TypoLastName => d.family.as_ref().is_some_and(|f| f.chars().count() >= 3),
        Corruption::AccentsDropped => {
            d.given.as_ref().is_some_and(|g| !g.is_ascii())
                || d.family.as_ref().is_some_and(|f| !f.is_ascii())
        }
        Corruption::AccentsAdded => {
            !first_changer && d.given.as_deref().and_then(names::accented_form).is_some()
        }
        Corruption::SwappedNames => d.given.is_some() && d.family.is_some(),
        Corruption::Nickname => {
            !first_changer
                && d.given.as_deref() == Some(person.first.as_str())
                && !names::nicknames(person.culture, person.female, person.first_ref).is_empty()
        }
        Corruption::EnglishAlias => !first_changer && d.given.is_some() && person.alias.is_some(),
        Corruption::Romanization => {
            (d.given.as_deref() == Some(person.first.as_str()) && !roman.0.is_empty())
                || (d.family.as_deref() == Some(person.last.as_str()) && !roman.1.is_empty())
        }
        Corruption::NameCase => d.given.is_some() || d.family.is_some(),
        Corruption::EmailCase | Corruption::EmailSpaces | Corruption::TypoEmail => {
            d.email.is_some()
        }
        Corruption::GmailDots => email_domain == Some("gmail.com"),
        Corruption::PlusTag => {
            email_domain.is_some_and(supports_plus)
                && d.email.as_deref().is_some_and(|e| !e.contains('+'))
        }
        Corruption::OtherEmail => {
            person.alt_email.is_some() && d.email.as_deref() == Some(person.email.as_str())
        }
        Corruption::MissingEmail => {
            d.email.is_some() && (source != Source::Shopify || d.phone.is_some())
        }
        Corruption::PhoneFormat | Corruption::TypoPhone => d.phone.is_some(),
        Corruption::MissingPhone => {
            d.phone.is_some() && (source != Source::Shopify || d.email.is_some())
        }
        Corruption::MissingAddress => d.address.is_some(),
        Corruption::BirthDateSwapped => d.birth.is_some_and(|b| {
            let (_, m, day) = text::civil_from_days(b);
            day <= 12 && day != m
        }),
        Corruption::MissingBirthDate => d.birth.is_some(),
        Corruption::MarriedName | Corruption::Moved => false,
    }
}

/// Applies one corruption; returns whether it changed anything.
fn apply(
    c: Corruption,
    d: &mut Draft,
    person: &Person,
    rng: &mut Rng,
    roman: &(Vec<String>, Vec<String>),
) -> bool {
    match c {
        Corruption::TypoFirstName => match d.given.as_deref().and_then(|g| typo(rng, g)) {
            Some(t) => {
                d.given = Some(t);
                true
            }
            None => false,
        },
        Corruption::TypoLastName => match d.family.as_deref().and_then(|f| typo(rng, f)) {
            Some(t) => {
                d.family = Some(t);
                true
            }
            None => false,
        },
        Corruption::AccentsDropped => {
            let mut changed = false;
            for slot in [&mut d.given, &mut d.family] {
                if let Some(s) = slot
                    && !s.is_ascii()
                {
                    let folded = if person.culture == Culture::German && rng.chance(0.5) {
                        text::fold_german(s)
                    } else {
                        text::fold(s).into_owned()
                    };
                    if folded != *s {
                        *s = folded;
                        changed = true;
                    }
                }
            }
            changed
        }
        Corruption::AccentsAdded => match d.given.as_deref().and_then(names::accented_form) {
            Some(a) => {
                d.given = Some(a.to_string());
                true
            }
            None => false,
        },
        Corruption::SwappedNames => true,
        Corruption::Nickname => {
            let options = names::nicknames(person.culture, person.female, person.first_ref);
            if options.is_empty() {
                return false;
            }
            d.given = Some(rng.pick(options).to_string());
            true
        }
        Corruption::EnglishAlias => match person.alias {
            Some(a) => {
                d.given = Some(if rng.chance(0.25) {
                    // Alias and given name together, as some clients write it.
                    format!("{a} {}", person.first)
                } else {
                    a.to_string()
                });
                true
            }
            None => false,
        },
        Corruption::Romanization => {
            let can_given =
                d.given.as_deref() == Some(person.first.as_str()) && !roman.0.is_empty();
            let can_family =
                d.family.as_deref() == Some(person.last.as_str()) && !roman.1.is_empty();
            let use_given = match (can_given, can_family) {
                (true, true) => rng.chance(0.5),
                (g, _) => g,
            };
            if use_given {
                d.given = Some(rng.pick(&roman.0).clone());
                true
            } else if can_family {
                d.family = Some(rng.pick(&roman.1).clone());
                true
            } else {
                false
            }
        }
        Corruption::NameCase => {
            d.name_case_upper = Some(rng.chance(0.35));
            true
        }
        Corruption::EmailCase => {
            d.email_case = 1 + rng.below(3) as u8;
            true
        }
        Corruption::EmailSpaces => {
            d.email_spaces = 1 + rng.below(4) as u8;
            true
        }
        Corruption::GmailDots => {
            let Some(email) = d.email.as_deref() else {
                return false;
            };
            let (local, domain) = email_parts(email);
            let new_local: String = if local.contains('.') {
                local.replace('.', "")
            } else {
                let chars: Vec<char> = local.chars().collect();
                if chars.len() < 3 {
                    return false;
                }
                let at = 1 + rng.index(chars.len() - 2);
                chars[..at]
                    .iter()
                    .chain(std::iter::once(&'.'))
                    .chain(chars[at..].iter())
                    .collect()
            };
            let new = format!("{new_local}@{domain}");
            let changed = new != email;
            d.email = Some(new);
            changed
        }
        Corruption::PlusTag => {
            let Some(email) = d.email.as_deref() else {
                return false;
            };
            let (local, domain) = email_parts(email);
            let tag = rng.pick(&["shop", "amigo", "news", "promo", "vip", "boutique", "paris"]);
            d.email = Some(format!("{local}+{tag}@{domain}"));
            true
        }
        Corruption::OtherEmail => match &person.alt_email {
            Some(alt) => {
                d.email = Some(alt.clone());
                true
            }
            None => false,
        },
        Corruption::TypoEmail => {
            let Some(email) = d.email.as_deref() else {
                return false;
            };
            let (local, domain) = email_parts(email);
            let new = if rng.chance(0.55) {
                match typo(rng, local) {
                    Some(t) => format!("{t}@{domain}"),
                    None => format!("{local}@{}", domain_typo(rng, domain)),
                }
            } else {
                format!("{local}@{}", domain_typo(rng, domain))
            };
            let changed = new != email;
            d.email = Some(new);
            changed
        }
        Corruption::MissingEmail => d.email.take().is_some(),
        Corruption::PhoneFormat => {
            d.phone_style = Some(*rng.pick(&NON_CANONICAL_STYLES));
            true
        }
        Corruption::TypoPhone => match d.phone {
            Some(p) => {
                d.phone = Some(p.with_typo(rng));
                true
            }
            None => false,
        },
        Corruption::MissingPhone => d.phone.take().is_some(),
        Corruption::MissingAddress => d.address.take().is_some(),
        Corruption::BirthDateSwapped => match d.birth {
            Some(b) => {
                let (y, m, day) = text::civil_from_days(b);
                d.birth = Some(text::days_from_civil(y, day, m));
                true
            }
            None => false,
        },
        Corruption::MissingBirthDate => d.birth.take().is_some(),
        Corruption::MarriedName | Corruption::Moved => false,
    }
}

/// Which fields a record of this source (and web form) holds, before corruptions.
struct Coverage {
    given: bool,
    family: bool,
    email: bool,
    phone: bool,
    address: bool,
    postcode_city: bool,
    birth: bool,
}

fn coverage(rng: &mut Rng, source: Source, form: WebForm) -> Coverage {
    match source {
        Source::Cegid => Coverage {
            given: rng.chance(0.99),
            family: true,
            email: rng.chance(0.82),
            phone: rng.chance(0.88),
            address: rng.chance(0.78),
            postcode_city: false,
            birth: rng.chance(0.55),
        },
        Source::Shopify => {
            let email = rng.chance(0.97);
            Coverage {
                given: rng.chance(0.96),
                family: rng.chance(0.97),
                email,
                phone: !email || rng.chance(0.5),
                address: rng.chance(0.72),
                postcode_city: false,
                birth: false,
            }
        }
        Source::Web => {
            let (given, family, phone, birth, address, pc) = match form {
                WebForm::Newsletter => (0.6, 0.45, 0.0, 0.0, 0.0, 0.0),
                WebForm::AccountCreate => (1.0, 1.0, 0.5, 0.6, 0.0, 0.3),
                WebForm::EventRegistration => (1.0, 1.0, 0.9, 0.3, 0.6, 0.9),
                WebForm::Contest => (1.0, 1.0, 0.7, 0.8, 0.0, 0.8),
                WebForm::BackInStock => (0.5, 0.2, 0.1, 0.0, 0.0, 0.0),
            };
            Coverage {
                given: rng.chance(given),
                family: rng.chance(family),
                email: true,
                phone: rng.chance(phone),
                address: rng.chance(address),
                postcode_city: rng.chance(pc),
                birth: rng.chance(birth),
            }
        }
    }
}

/// Plans and builds the records of one person. `shopify_emails` and `shopify_phones` hold the
/// keys already used by Shopify records of this chunk (Shopify enforces unique e-mails and
/// phones per customer).
#[allow(clippy::too_many_arguments)]
pub fn person_records(
    rng: &mut Rng,
    ctx: &World,
    person: &Person,
    person_index: u32,
    shopify_emails: &mut std::collections::HashSet<String>,
    shopify_phones: &mut std::collections::HashSet<u64>,
    out: &mut Vec<Record>,
) {
    let mut sources = record_sources(rng, person);
    // A reference record cannot take an e-mail another Shopify customer already has: that
    // person is in the store system instead.
    if sources[0] == Source::Shopify && shopify_emails.contains(&person.email.to_lowercase()) {
        sources[0] = Source::Cegid;
    }
    let end_day = ctx.as_of - 1;
    let mut previous: Option<i64> = None;
    for (k, &source) in sources.iter().enumerate() {
        let start = ctx.as_of - source.history_days();
        // Store for Cegid records: the home store, or another one when travelling.
        let store_index = if source == Source::Cegid {
            let s = if rng.chance(0.85) {
                person.home_store
            } else {
                rng.index(STORES.len()) as u8
            };
            Some(s)
        } else {
            None
        };
        let opened = store_index.map(|s| ctx.as_of - STORES[usize::from(s)].age_days);
        let from = match previous {
            Some(p) => (p / SECS_PER_DAY + 1).max(start),
            None => start,
        }
        .max(opened.unwrap_or(i64::MIN));
        let day = if previous.is_some() {
            from + rng.range(0, (end_day - from).max(0))
        } else {
            growing_day(rng, from, end_day)
        }
        .min(end_day);
        let tz = person.home.city().tz;
        let created = match store_index {
            Some(s) => store_instant(rng, &STORES[usize::from(s)], day),
            None => home_instant(rng, tz, day),
        };
        let created = match previous {
            Some(p) if created <= p => p + rng.range(60, 3_600),
            _ => created,
        };
        previous = Some(created);
        let record = build_record(
            rng,
            ctx,
            person,
            person_index,
            source,
            k,
            store_index,
            created,
            shopify_emails,
            shopify_phones,
        );
        out.push(record);
    }
}

#[allow(clippy::too_many_arguments)]
fn build_record(
    rng: &mut Rng,
    ctx: &World,
    person: &Person,
    person_index: u32,
    source: Source,
    k: usize,
    store: Option<u8>,
    created: i64,
    shopify_emails: &mut std::collections::HashSet<String>,
    shopify_phones: &mut std::collections::HashSet<u64>,
) -> Record {
    let reference = k == 0;
    let form = match rng.weighted(&[45, 20, 12, 13, 10]) {
        0 => WebForm::Newsletter,
        1 => WebForm::AccountCreate,
        2 => WebForm::EventRegistration,
        3 => WebForm::Contest,
        _ => WebForm::BackInStock,
    };
    let cov = coverage(rng, source, form);
    let moved = !reference && person.moved_to.is_some();
    let married = !reference && person.married_last.is_some();
    let family = if married {
        let m = person.married_last.as_deref().unwrap_or(&person.last);
        married_display(rng, m, &person.last)
    } else {
        person.last.clone()
    };
    let phone = match (moved, person.new_phone) {
        (true, Some(p)) => p,
        _ => person.phone,
    };
    let address = if moved {
        person.moved_to.unwrap_or(person.home)
    } else {
        person.home
    };
    let mut d = Draft {
        given: cov.given.then(|| person.first.clone()),
        family: cov.family.then_some(family),
        email: cov.email.then(|| person.email.clone()),
        phone: cov.phone.then_some(phone),
        address: (cov.address || cov.postcode_city).then_some(address),
        birth: cov.birth.then_some(person.birth),
        street: cov.address,
        labels: 0,
        name_case_upper: None,
        email_case: 0,
        email_spaces: 0,
        phone_style: None,
    };
    if source == Source::Shopify && d.email.is_none() && d.phone.is_none() {
        d.email = Some(person.email.clone());
    }
    let roman = if reference {
        (Vec::new(), Vec::new())
    } else {
        romanizations(person, source)
    };
    if !reference {
        if married && d.family.is_some() {
            d.labels |= Corruption::MarriedName.bit();
        }
        let forced = d.labels.count_ones();
        let target: u32 = 1 + match rng.below(100) {
            0..55 => 0,
            55..87 => 1,
            87..97 => 2,
            _ => 3,
        };
        let mut need = target.saturating_sub(forced);
        // A second Shopify account needs an e-mail Shopify has not seen.
        let email_clash = source == Source::Shopify
            && d.email
                .as_deref()
                .is_some_and(|e| shopify_emails.contains(&e.trim().to_lowercase()));
        let mut tried = 0u32;
        if email_clash {
            for c in [
                Corruption::OtherEmail,
                Corruption::PlusTag,
                Corruption::GmailDots,
                Corruption::TypoEmail,
            ] {
                if applicable(c, &d, person, source, &roman)
                    && apply(c, &mut d, person, rng, &roman)
                {
                    d.labels |= c.bit();
                    need = need.saturating_sub(1);
                    break;
                }
            }
        }
        while need > 0 {
            let candidates: Vec<Corruption> = CORRUPTIONS
                .into_iter()
                .filter(|c| {
                    tried & c.bit() == 0
                        && d.labels & c.bit() == 0
                        && c.weight() > 0
                        && applicable(*c, &d, person, source, &roman)
                })
                .collect();
            if candidates.is_empty() {
                break;
            }
            let weights: Vec<u32> = candidates.iter().map(|c| c.weight()).collect();
            let c = candidates[rng.weighted(&weights)];
            tried |= c.bit();
            if apply(c, &mut d, person, rng, &roman) {
                d.labels |= c.bit();
                need -= 1;
            }
        }
        // A move shows when the street, the postcode or the new phone is there to see.
        let shows_move = d.address.is_some_and(|a| {
            d.street || a.postal_code() != person.home.postal_code() || a.city != person.home.city
        }) || (person.new_phone.is_some() && d.phone.is_some());
        if moved && shows_move {
            d.labels |= Corruption::Moved.bit();
        }
        // Shopify refuses an e-mail another customer has: the record shows a variant.
        if source == Source::Shopify {
            let mut attempts = 0;
            while attempts < 8
                && d.email
                    .as_deref()
                    .is_some_and(|e| shopify_emails.contains(&e.trim().to_lowercase()))
            {
                attempts += 1;
                let c = if applicable(Corruption::PlusTag, &d, person, source, &roman) {
                    Corruption::PlusTag
                } else {
                    Corruption::TypoEmail
                };
                if apply(c, &mut d, person, rng, &roman) {
                    d.labels |= c.bit();
                }
            }
        }
    }
    // Shopify uniqueness: a phone another Shopify customer has is dropped.
    if source == Source::Shopify
        && let Some(p) = d.phone
        && shopify_phones.contains(&p.key())
    {
        if d.email.is_some() {
            d.phone = None;
            if !reference {
                d.labels |= Corruption::MissingPhone.bit();
                d.labels &= !(Corruption::PhoneFormat.bit() | Corruption::TypoPhone.bit());
            }
        } else {
            d.phone = Some(p.with_typo(rng));
        }
    }
    render(
        rng,
        ctx,
        person,
        person_index,
        source,
        store,
        created,
        form,
        d,
        shopify_emails,
        shopify_phones,
    )
}

#[allow(clippy::too_many_arguments)]
fn render(
    rng: &mut Rng,
    ctx: &World,
    person: &Person,
    person_index: u32,
    source: Source,
    store: Option<u8>,
    created: i64,
    form: WebForm,
    d: Draft,
    shopify_emails: &mut std::collections::HashSet<String>,
    shopify_phones: &mut std::collections::HashSet<u64>,
) -> Record {
    let store_ref = store.map(|s| &STORES[usize::from(s)]);
    let swapped = d.labels & Corruption::SwappedNames.bit() != 0;
    let (mut first, mut last) = if swapped {
        (d.family.clone(), d.given.clone())
    } else {
        (d.given.clone(), d.family.clone())
    };
    if let Some(upper) = d.name_case_upper {
        let f = |s: &mut Option<String>| {
            if let Some(v) = s {
                *v = if upper {
                    v.to_uppercase()
                } else {
                    v.to_lowercase()
                };
            }
        };
        f(&mut first);
        f(&mut last);
    }
    if source == Source::Cegid
        && store_ref.is_some_and(|s| s.upper_case_names())
        && d.name_case_upper != Some(false)
        && let Some(v) = &mut last
    {
        *v = v.to_uppercase();
    }
    let email = d.email.as_deref().map(|e| {
        let mut e = match d.email_case {
            1 => {
                let (local, domain) = email_parts(e);
                let local: String = local
                    .split('.')
                    .map(names::capitalize)
                    .collect::<Vec<_>>()
                    .join(".");
                format!("{local}@{domain}")
            }
            2 => e.to_uppercase(),
            3 => {
                let (local, domain) = email_parts(e);
                format!("{local}@{}", names::capitalize(domain))
            }
            _ => e.to_string(),
        };
        match d.email_spaces {
            1 => e.insert(0, ' '),
            2 => e.push(' '),
            3 => {
                e.insert(0, ' ');
                e.push(' ');
            }
            4 => {
                if let Some(at) = e.find('@') {
                    e.insert(at, ' ');
                }
            }
            _ => {}
        }
        e
    });
    let home_country = d.address.map(|a| a.country).unwrap_or(person.home.country);
    // Phone conventions per source.
    let conventional = match source {
        Source::Cegid => {
            if store_ref.is_some_and(|s| s.country == home_country) {
                PhoneStyle::National
            } else {
                PhoneStyle::International
            }
        }
        Source::Shopify => PhoneStyle::E164,
        Source::Web => {
            if rng.chance(0.55) {
                PhoneStyle::International
            } else {
                PhoneStyle::National
            }
        }
    };
    let mut phone_in_phone_column = true;
    let mut address_phone = None;
    let phone = d.phone.map(|p| {
        let style = match d.phone_style {
            Some(s) if s == conventional => PhoneStyle::TrunkInParens,
            Some(s) => s,
            None => conventional,
        };
        p.format(style)
    });
    let mut phone = phone;
    if source == Source::Shopify {
        if let Some(p) = d.phone {
            shopify_phones.insert(p.key());
        }
        // Shopify normalizes the customer phone to E.164; anything else was typed in the
        // address form and is only in the address phone.
        if d.phone_style.is_some() || (phone.is_some() && rng.chance(0.3)) {
            phone_in_phone_column = false;
            address_phone = if d.phone_style.is_some() {
                phone.clone()
            } else {
                d.phone.map(|p| p.format(PhoneStyle::National))
            };
            phone = address_phone.clone();
        } else if d.address.is_some() && rng.chance(0.4) {
            address_phone = d.phone.map(|p| p.format(PhoneStyle::National));
        }
        if let Some(e) = &email {
            shopify_emails.insert(e.trim().to_lowercase());
        }
    }
    let city = d.address.map(|a| a.city());
    let language_code = home_country.language(person.culture);
    let (language, country, region, civility_value) = match source {
        Source::Cegid => (
            Some(cegid_language(language_code)),
            Some(home_country.iso3().to_string()),
            city.and_then(|c| cegid_region(home_country, c)),
            Some(civility(rng, source, person, language_code, ctx.as_of)),
        ),
        Source::Shopify => (
            None,
            Some(home_country.iso2().to_string()),
            city.and_then(|c| (!c.region_code.is_empty()).then_some(c.region_code)),
            None,
        ),
        Source::Web => (
            Some(language_code),
            Some(rng.pick(home_country.typed_names()).to_string()),
            None,
            Some(civility(rng, source, person, language_code, ctx.as_of)),
        ),
    };
    let cov_civility = match source {
        Source::Shopify => false,
        Source::Cegid => rng.chance(0.92),
        Source::Web => rng.chance(match form {
            WebForm::Newsletter | WebForm::BackInStock => 0.2,
            _ => 0.7,
        }),
    };
    let cov_country = match source {
        Source::Web => {
            d.address.is_some()
                || rng.chance(match form {
                    WebForm::Newsletter | WebForm::BackInStock => 0.5,
                    _ => 0.95,
                })
        }
        _ => d.address.is_some() || source == Source::Cegid,
    };
    // Web forms rarely ask for a street address; they often ask for postcode and city.
    let (line1, line2, postcode, city_name) = match d.address {
        Some(a) => (
            d.street.then(|| a.line1()),
            if d.street { a.line2() } else { None },
            Some(a.postal_code()).filter(|p| !p.is_empty()),
            Some(a.city().name.to_string()),
        ),
        None => (None, None, None, None),
    };
    let associate = store.and_then(|s| ctx.associate_on(rng, s, created.div_euclid(SECS_PER_DAY)));
    let origin = match source {
        Source::Cegid => {
            if rng.chance(0.05) {
                Origin::Event
            } else {
                Origin::Store
            }
        }
        Source::Shopify => Origin::Ecommerce,
        Source::Web => {
            if form == WebForm::EventRegistration {
                Origin::Event
            } else {
                Origin::WebForm
            }
        }
    };
    let form_email_opt_in =
        source == Source::Web && (form == WebForm::Newsletter || rng.chance(0.6));
    let form_sms_opt_in = source == Source::Web && d.phone.is_some() && rng.chance(0.3);
    let cp = |s: Option<String>| -> Option<String> {
        if source == Source::Cegid {
            s.map(|v| text::cp1252_lossy(&v).into_owned())
        } else {
            s
        }
    };
    let tz = match store_ref {
        Some(s) => s.tz,
        None => person.home.city().tz,
    };
    Record {
        source,
        person: person_index,
        id: String::new(),
        corruptions: d.labels,
        civility: civility_value.filter(|_| cov_civility),
        first_name: cp(first),
        last_name: cp(last),
        email: cp(email),
        phone,
        address_phone,
        phone_in_phone_column,
        birth: d.birth,
        line1: cp(line1),
        line2: cp(line2),
        postcode,
        city: cp(city_name),
        region,
        country: country.filter(|_| cov_country),
        home_country,
        language,
        store,
        associate,
        origin,
        created,
        updated: created,
        form,
        confirmed: None,
        utm_source: (source == Source::Web).then(|| {
            *rng.pick(&[
                "instagram",
                "google",
                "newsletter",
                "facebook",
                "direct",
                "tiktok",
                "wechat",
                "kakao",
            ])
        }),
        company: (source == Source::Shopify && rng.chance(0.03)).then(|| {
            *rng.pick(&[
                "Atelier Conseil",
                "Studio Nord",
                "Galerie Blanche",
                "Holdings Ltd",
                "Family Office SA",
            ])
        }),
        tz,
        form_email_opt_in,
        form_sms_opt_in,
    }
}

fn cegid_language(code: &str) -> &'static str {
    match code {
        "fr" => "FR",
        "it" => "IT",
        "de" => "DE",
        "ja" => "JA",
        "ko" => "KO",
        "ar" => "AR",
        _ => "EN",
    }
}

fn cegid_region(country: Country, city: &super::geo::City) -> Option<&'static str> {
    match country {
        Country::US | Country::IT | Country::CH | Country::AE => {
            (!city.region_code.is_empty()).then_some(city.region_code)
        }
        Country::JP | Country::KR => Some(city.region_name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_render_in_a_fixed_order() {
        let bits = Corruption::Moved.bit() | Corruption::TypoFirstName.bit();
        assert_eq!(labels(bits).as_deref(), Some("typo_first_name moved"));
        assert_eq!(labels(0), None);
    }

    #[test]
    fn typos_change_the_text() {
        let mut rng = Rng::new(2);
        for _ in 0..200 {
            let t = typo(&mut rng, "Hélène").expect("typo");
            assert_ne!(t, "Hélène");
        }
    }
}
