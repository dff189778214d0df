//! True persons: who they are, where they live, how to reach them, and how many source records
//! they will leave behind.
//!
//! Persons are generated chunk by chunk (each chunk with its own random stream), then a short
//! sequential pass makes what must be globally unique unique (e-mail addresses and phone numbers
//! are first come, first served, as providers and operators do: the second Marie Martin at Gmail
//! gets `marie.martin7`), numbers households, and finds every homonym group.

use std::collections::HashSet;

use super::catalog;
use super::geo::{Address, COUNTRIES, COUNTRY_WEIGHTS, Country, Phone};
use super::names::{self, Culture, GivenRef, SurnameRef};
use super::rng::{Rng, Stream, mix64};

/// Probability that a new person is planted as a homonym of an earlier one.
pub const HOMONYM_RATE: f64 = 0.015;
/// Probability that a new person is planted in the household of an earlier one.
pub const HOUSEHOLD_RATE: f64 = 0.035;

#[derive(Debug, Clone)]
pub struct Person {
    pub culture: Culture,
    pub female: bool,
    pub first: String,
    pub first_ref: GivenRef,
    pub last: String,
    pub last_ref: SurnameRef,
    /// Family name taken at marriage, shown by records created after it.
    pub married_last: Option<String>,
    pub alias: Option<&'static str>,
    pub birth: i64,
    pub home: Address,
    /// New address after a move (records created later show it).
    pub moved_to: Option<Address>,
    pub email: String,
    pub alt_email: Option<String>,
    pub phone: Phone,
    /// New phone number after a move.
    pub new_phone: Option<Phone>,
    /// Store the person is attached to (index into `STORES`).
    pub home_store: u8,
    /// Number of source records this person has.
    pub n_records: u8,
    /// Purchase propensity multiplier (heavy-tailed: a few VIPs).
    pub vip: bool,
    /// Chunk-local index of the household's first member, when planted in a household.
    pub household_of: Option<u32>,
    pub shares_email: bool,
    pub shares_phone: bool,
    pub planted_homonym: bool,
    /// Filled by the global pass.
    pub household_id: Option<u32>,
    pub homonym_group: Option<u32>,
}

impl Person {
    pub fn country(&self) -> Country {
        self.home.country
    }
}

/// The persons of one chunk: enough to fill exactly `records` source records.
#[derive(Debug)]
pub struct ChunkPersons {
    pub persons: Vec<Person>,
    /// Global index of the chunk's first person (filled by the global pass).
    pub first_person: u64,
}

fn records_per_person(rng: &mut Rng) -> u8 {
    // Mean 1.22 records per person: (records - persons) / records ≈ 0.18.
    match rng.below(1000) {
        0..815 => 1,
        815..970 => 2,
        970..995 => 3,
        _ => 4,
    }
}

fn birth_date(rng: &mut Rng, as_of: i64) -> i64 {
    // Luxury clientele: mostly 25–65, a tail of older clients.
    let years = if rng.chance(0.1) {
        rng.range(60, 88)
    } else {
        let u = (rng.f64() + rng.f64() + rng.f64()) / 3.0;
        22 + (u * 44.0) as i64
    };
    as_of - years * 365 - years / 4 - rng.range(0, 364)
}

fn email_local(rng: &mut Rng, first: &str, last: &str, birth_year: i64, korean: bool) -> String {
    let f = catalog::email_part(first);
    let l = catalog::email_part(last);
    let f = if f.is_empty() {
        "client".to_string()
    } else {
        f
    };
    let l = if l.is_empty() { "mail".to_string() } else { l };
    let initial = &f[..1];
    let yy = birth_year % 100;
    if korean && rng.chance(0.5) {
        // Korean portal ids: family name + initials + year.
        let initials: String = first
            .split(['-', ' '])
            .filter_map(|p| p.chars().next())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        return format!("{l}{initials}{yy:02}");
    }
    match rng.weighted(&[30, 12, 8, 5, 6, 8, 4, 6, 3]) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{l}"),
        2 => format!("{initial}.{l}"),
        3 => format!("{f}_{l}"),
        4 => format!("{l}.{f}"),
        5 => format!("{f}.{l}{yy:02}"),
        6 => format!("{f}{}{}", &l[..1], rng.range(1, 99)),
        7 => format!("{f}{l}{}", rng.range(1, 99)),
        _ => format!("{initial}{l}{birth_year}"),
    }
}

/// An address built from the person's own name, birth year and country, as a planted homonym
/// or a new household member gets one.
fn personal_email(rng: &mut Rng, p: &Person) -> String {
    let (by, _, _) = super::text::civil_from_days(p.birth);
    let local = email_local(rng, &p.first, &p.last, by, p.culture == Culture::Korean);
    format!("{local}@{}", email_domain(rng, p.home.country))
}

fn email_domain(rng: &mut Rng, country: Country) -> &'static str {
    let domains = country.email_domains();
    let weights: Vec<u32> = domains.iter().map(|d| d.1).collect();
    domains[rng.weighted(&weights)].0
}

const WORK_DOMAINS: &[&str] = &[
    "lvmh.com",
    "bnpparibas.com",
    "societegenerale.com",
    "axa.com",
    "orange.com",
    "hsbc.com",
    "barclays.com",
    "goldmansachs.com",
    "jpmorgan.com",
    "mckinsey.com",
    "bcg.com",
    "deloitte.com",
    "sony.co.jp",
    "samsung.com",
    "unicredit.it",
    "allianz.de",
    "siemens.com",
];

fn new_person(rng: &mut Rng, as_of: i64) -> Person {
    let country = COUNTRIES[rng.weighted(&COUNTRY_WEIGHTS)];
    let cultures = country.cultures();
    let weights: Vec<u32> = cultures.iter().map(|c| c.1).collect();
    let culture = cultures[rng.weighted(&weights)].0;
    let female = rng.chance(0.64);
    let (first, first_ref) = names::given_name(rng, culture, female);
    let (last, last_ref) = names::surname(rng, culture);
    let home = Address::random(rng, country);
    let birth = birth_date(rng, as_of);
    let alias = match culture {
        Culture::Korean if rng.chance(0.35) => names::english_alias(rng, culture, female),
        Culture::Japanese if rng.chance(0.1) => names::english_alias(rng, culture, female),
        _ => None,
    };
    let phone = Phone::mobile(rng, country, home.city());
    let (by, _, _) = super::text::civil_from_days(birth);
    let local_first = match alias {
        Some(a) if rng.chance(0.4) => a,
        _ => first.as_str(),
    };
    let email = format!(
        "{}@{}",
        email_local(rng, local_first, &last, by, culture == Culture::Korean),
        email_domain(rng, country)
    );
    let alt_email = rng.chance(0.35).then(|| {
        if rng.chance(0.5) {
            format!(
                "{}.{}@{}",
                &catalog::email_part(&first).get(..1).unwrap_or("x"),
                catalog::email_part(&last),
                rng.pick(WORK_DOMAINS)
            )
        } else {
            format!(
                "{}@{}",
                email_local(rng, &first, &last, by, false),
                email_domain(rng, country)
            )
        }
    });
    let stores = catalog::home_stores(country, home.city().name);
    let store_weights: Vec<u32> = stores.iter().map(|s| s.1).collect();
    let home_store = stores[rng.weighted(&store_weights)].0;
    Person {
        culture,
        female,
        first,
        first_ref,
        last,
        last_ref,
        married_last: None,
        alias,
        birth,
        home,
        moved_to: None,
        email,
        alt_email,
        phone,
        new_phone: None,
        home_store,
        n_records: 1,
        vip: rng.chance(0.03),
        household_of: None,
        shares_email: false,
        shares_phone: false,
        planted_homonym: false,
        household_id: None,
        homonym_group: None,
    }
}

/// Generates the persons of chunk `chunk`, filling exactly `records` source records.
pub fn chunk_persons(seed: u64, chunk: u64, records: u64, as_of: i64) -> ChunkPersons {
    let mut rng = Rng::derive(seed, Stream::Persons, chunk);
    let mut persons: Vec<Person> = Vec::with_capacity((records as usize * 5) / 6 + 8);
    let mut filled = 0u64;
    while filled < records {
        let mut p = new_person(&mut rng, as_of);
        if !persons.is_empty() && rng.chance(HOMONYM_RATE) {
            // Same first and last name as someone else; sometimes the same city.
            let q = &persons[rng.index(persons.len())];
            p.culture = q.culture;
            p.female = q.female;
            p.first = q.first.clone();
            p.first_ref = q.first_ref;
            p.last = q.last.clone();
            p.last_ref = q.last_ref;
            if rng.chance(0.4) {
                p.home = Address::random_in_city(&mut rng, q.home.country, q.home.city);
                p.phone = Phone::mobile(&mut rng, p.home.country, p.home.city());
                p.home_store = q.home_store;
            }
            p.email = personal_email(&mut rng, &p);
            p.planted_homonym = true;
        } else if !persons.is_empty() && rng.chance(HOUSEHOLD_RATE) {
            let qi = rng.index(persons.len());
            let q = &persons[qi];
            let root = q.household_of.unwrap_or(qi as u32);
            // A spouse, partner, parent or child at the same address.
            p.home = q.home;
            p.home_store = q.home_store;
            p.culture = q.culture;
            if rng.chance(0.7) {
                p.last = q.last.clone();
                p.last_ref = q.last_ref;
            } else {
                let (last, last_ref) = names::surname(&mut rng, p.culture);
                p.last = last;
                p.last_ref = last_ref;
            }
            p.female = if rng.chance(0.7) { !q.female } else { q.female };
            let (first, first_ref) = names::given_name(&mut rng, p.culture, p.female);
            p.first = first;
            p.first_ref = first_ref;
            p.alias = None;
            p.phone = Phone::mobile(&mut rng, p.home.country, p.home.city());
            p.email = personal_email(&mut rng, &p);
            p.alt_email = None;
            match rng.below(100) {
                0..45 => p.shares_email = true,
                45..85 => p.shares_phone = true,
                _ => {
                    p.shares_email = true;
                    p.shares_phone = true;
                }
            }
            p.household_of = Some(root);
        }
        let mut n = records_per_person(&mut rng);
        if filled + u64::from(n) > records {
            n = (records - filled) as u8;
        }
        p.n_records = n;
        if n > 1 {
            if rng.chance(0.25) && p.household_of.is_none() {
                let moved = if rng.chance(0.7) {
                    Address::random_in_city(&mut rng, p.home.country, p.home.city)
                } else {
                    Address::random(&mut rng, p.home.country)
                };
                p.moved_to = Some(moved);
                if rng.chance(0.4) {
                    p.new_phone = Some(Phone::mobile(&mut rng, moved.country, moved.city()));
                }
            }
            let age_years = (as_of - p.birth) / 365;
            if p.female
                && p.culture.married_name_change()
                && (24..=55).contains(&age_years)
                && rng.chance(0.18)
            {
                let (spouse, _) = names::surname(&mut rng, p.culture);
                if spouse != p.last {
                    p.married_last = Some(spouse);
                }
            }
        }
        filled += u64::from(n);
        persons.push(p);
    }
    ChunkPersons {
        persons,
        first_person: 0,
    }
}

/// Summary of the global pass.
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobalStats {
    pub persons: u64,
    pub households: u64,
    pub household_people: u64,
    pub planted_households: u64,
    pub homonym_groups: u64,
    pub homonym_people: u64,
    pub planted_homonyms: u64,
    pub sharing_email: u64,
    pub sharing_phone: u64,
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a then a final mix: stable across Rust versions, unlike `DefaultHasher`.
    let mut h = 0xCBF2_9CE4_8422_2325u64;
    for b in s.bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    mix64(h)
}

/// Makes e-mails and phones unique across people (except within planted households), numbers
/// households, and finds homonym groups. Runs once over all chunks, in chunk order.
pub fn global_pass(seed: u64, chunks: &mut [ChunkPersons]) -> GlobalStats {
    let mut stats = GlobalStats::default();
    let mut emails: HashSet<u64> = HashSet::new();
    let mut phones: HashSet<u64> = HashSet::new();
    let mut household_base = 0u64;
    let mut next_person = 0u64;
    for (c, chunk) in chunks.iter_mut().enumerate() {
        chunk.first_person = next_person;
        next_person += chunk.persons.len() as u64;
        let mut rng = Rng::derive(seed, Stream::Dedupe, c as u64);
        // Household numbering: the first member of each household, in order of appearance.
        let mut local_ids: Vec<(u32, u32)> = Vec::new();
        for i in 0..chunk.persons.len() {
            if let Some(root) = chunk.persons[i].household_of {
                let id = match local_ids.iter().find(|(r, _)| *r == root) {
                    Some((_, id)) => *id,
                    None => {
                        let id = (household_base + local_ids.len() as u64) as u32;
                        local_ids.push((root, id));
                        id
                    }
                };
                chunk.persons[i].household_id = Some(id);
                chunk.persons[root as usize].household_id = Some(id);
            }
        }
        household_base += local_ids.len() as u64;
        for i in 0..chunk.persons.len() {
            let (shares_email, shares_phone, root) = {
                let p = &chunk.persons[i];
                (p.shares_email, p.shares_phone, p.household_of)
            };
            // E-mail: first come, first served.
            if shares_email && let Some(r) = root {
                chunk.persons[i].email = chunk.persons[r as usize].email.clone();
            } else {
                let p = &mut chunk.persons[i];
                let mut attempt = 0u32;
                while !emails.insert(hash_str(&p.email)) {
                    attempt += 1;
                    let (local, domain) =
                        p.email.split_once('@').unwrap_or((&p.email, "gmail.com"));
                    let base = local
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .to_string();
                    let n = if attempt < 4 {
                        rng.range(1, 9)
                    } else {
                        rng.range(10, 9999)
                    };
                    p.email = format!("{base}{n}@{domain}");
                }
            }
            let p = &mut chunk.persons[i];
            if let Some(alt) = &mut p.alt_email {
                while !emails.insert(hash_str(alt)) {
                    let (local, domain) =
                        alt.split_once('@').unwrap_or((alt.as_str(), "gmail.com"));
                    *alt = format!("{local}{}@{domain}", rng.range(1, 99));
                }
            }
            if shares_phone && let Some(r) = root {
                chunk.persons[i].phone = chunk.persons[r as usize].phone;
            } else {
                let p = &mut chunk.persons[i];
                while !phones.insert(p.phone.key()) {
                    p.phone = Phone::mobile(&mut rng, p.phone.country, p.home.city());
                }
            }
            let p = &mut chunk.persons[i];
            if let Some(np) = &mut p.new_phone {
                while !phones.insert(np.key()) {
                    *np = Phone::mobile(&mut rng, np.country, p.home.city());
                }
            }
            if p.planted_homonym {
                stats.planted_homonyms += 1;
            }
            if p.household_of.is_some() {
                stats.planted_households += 1;
                stats.sharing_email += u64::from(p.shares_email);
                stats.sharing_phone += u64::from(p.shares_phone);
            }
        }
    }
    stats.persons = next_person;
    stats.households = household_base;
    // Homonym groups: every set of two or more people with the same first and last name,
    // numbered in name order.
    let mut keys: Vec<(&str, &str, usize, usize)> = Vec::with_capacity(next_person as usize);
    for (c, chunk) in chunks.iter().enumerate() {
        for (i, p) in chunk.persons.iter().enumerate() {
            keys.push((p.last.as_str(), p.first.as_str(), c, i));
        }
    }
    keys.sort_unstable();
    let mut assignments: Vec<(usize, usize, u32)> = Vec::new();
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() && keys[end].0 == keys[start].0 && keys[end].1 == keys[start].1 {
            end += 1;
        }
        if end - start >= 2 {
            let group = stats.homonym_groups as u32;
            stats.homonym_groups += 1;
            stats.homonym_people += (end - start) as u64;
            for k in &keys[start..end] {
                assignments.push((k.2, k.3, group));
            }
        }
        start = end;
    }
    drop(keys);
    for (c, i, g) in assignments {
        chunks[c].persons[i].homonym_group = Some(g);
    }
    for chunk in chunks.iter() {
        stats.household_people += chunk
            .persons
            .iter()
            .filter(|p| p.household_id.is_some())
            .count() as u64;
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_fill_exactly_their_records() {
        let as_of = super::super::text::days_from_civil(2026, 10, 31);
        let chunk = chunk_persons(1, 0, 5000, as_of);
        let total: u64 = chunk.persons.iter().map(|p| u64::from(p.n_records)).sum();
        assert_eq!(total, 5000);
        let dup = (5000.0 - chunk.persons.len() as f64) / 5000.0;
        assert!((0.15..0.21).contains(&dup), "{dup}");
    }

    #[test]
    fn global_pass_makes_contacts_unique_outside_households() {
        let as_of = super::super::text::days_from_civil(2026, 10, 31);
        let mut chunks: Vec<ChunkPersons> =
            (0..3).map(|c| chunk_persons(7, c, 3000, as_of)).collect();
        let stats = global_pass(7, &mut chunks);
        assert!(stats.households > 0 && stats.homonym_groups > 0);
        let mut seen = std::collections::HashMap::new();
        for p in chunks.iter().flat_map(|c| &c.persons) {
            if let Some(other) = seen.insert(p.email.to_lowercase(), p.household_id) {
                assert!(other.is_some() && other == p.household_id, "{}", p.email);
            }
        }
    }
}
