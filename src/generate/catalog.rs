//! The brand's fixed world: its stores, their sales associates, the product catalog and the
//! marketing campaign calendar. All are small and drawn from their own random streams, so their
//! content depends only on the seed, `as_of` and (for the catalog size) the volume.

use chrono_tz::Tz;
use chrono_tz::{America, Asia, Europe};

use super::geo::{Country, Currency};
use super::names::{self, Culture};
use super::rng::{Rng, Stream};
use super::text::{self, SECS_PER_DAY};

/// A store as the brand describes it.
#[derive(Debug)]
pub struct Store {
    pub id: &'static str,
    pub name: &'static str,
    pub address: &'static str,
    pub postal_code: &'static str,
    pub city: &'static str,
    pub country: Country,
    pub tz: Tz,
    pub currency: Currency,
    pub phone: &'static str,
    pub email: &'static str,
    pub opening_hours: &'static str,
    /// Opening and closing hour (local) on the days it is open.
    pub hours: (i64, i64),
    pub open_sunday: bool,
    /// Opening date, as years before `as_of` (so that any `as_of` gives a plausible history).
    pub age_days: i64,
    /// Relative footfall.
    pub weight: u32,
    pub staff: u32,
}

impl Store {
    pub fn region(&self) -> &'static str {
        match self.country {
            Country::US => "Americas",
            Country::JP | Country::KR | Country::AE => "Asia",
            _ => "Europe",
        }
    }

    /// The region as the French back office labels it in ETABLISSEMENTS.
    pub fn region_fr(&self) -> &'static str {
        match self.country {
            Country::US => "Amériques",
            Country::JP | Country::KR | Country::AE => "Asie",
            _ => "Europe",
        }
    }

    /// Whether the store's staff type family names in capitals (a French POS habit).
    pub fn upper_case_names(&self) -> bool {
        matches!(self.country, Country::FR | Country::IT | Country::DE)
    }
}

pub static STORES: [Store; 12] = [
    Store {
        id: "PAR01",
        name: "Maison Amigo Saint-Honoré",
        address: "231 rue Saint-Honoré",
        postal_code: "75001",
        city: "Paris",
        country: Country::FR,
        tz: Europe::Paris,
        currency: Currency::Eur,
        phone: "+33 1 42 60 31 47",
        email: "sainthonore@maison-amigo.com",
        opening_hours: "Mo-Sa 10:00-19:30",
        hours: (10, 19),
        open_sunday: false,
        age_days: 7_530,
        weight: 30,
        staff: 22,
    },
    Store {
        id: "PAR02",
        name: "Maison Amigo Rive Gauche",
        address: "44 rue du Bac",
        postal_code: "75007",
        city: "Paris",
        country: Country::FR,
        tz: Europe::Paris,
        currency: Currency::Eur,
        phone: "+33 1 45 48 72 19",
        email: "rivegauche@maison-amigo.com",
        opening_hours: "Mo-Sa 10:30-19:00",
        hours: (10, 19),
        open_sunday: false,
        age_days: 5_540,
        weight: 16,
        staff: 14,
    },
    Store {
        id: "PAR03",
        name: "Maison Amigo Le Marais",
        address: "12 rue des Francs-Bourgeois",
        postal_code: "75003",
        city: "Paris",
        country: Country::FR,
        tz: Europe::Paris,
        currency: Currency::Eur,
        phone: "+33 1 48 87 05 62",
        email: "marais@maison-amigo.com",
        opening_hours: "Mo-Sa 11:00-19:30; Su 13:00-19:00",
        hours: (11, 19),
        open_sunday: true,
        age_days: 3_865,
        weight: 12,
        staff: 10,
    },
    Store {
        id: "LON01",
        name: "Maison Amigo Mount Street",
        address: "18 Mount Street",
        postal_code: "W1K 2RN",
        city: "London",
        country: Country::GB,
        tz: Europe::London,
        currency: Currency::Gbp,
        phone: "+44 20 7499 3281",
        email: "mountstreet@maison-amigo.com",
        opening_hours: "Mo-Sa 10:00-19:00; Su 12:00-18:00",
        hours: (10, 18),
        open_sunday: true,
        age_days: 5_285,
        weight: 14,
        staff: 14,
    },
    Store {
        id: "MIL01",
        name: "Maison Amigo Montenapoleone",
        address: "Via Monte Napoleone 21",
        postal_code: "20121",
        city: "Milano",
        country: Country::IT,
        tz: Europe::Rome,
        currency: Currency::Eur,
        phone: "+39 02 7600 4412",
        email: "montenapoleone@maison-amigo.com",
        opening_hours: "Mo-Sa 10:00-19:00",
        hours: (10, 19),
        open_sunday: false,
        age_days: 4_775,
        weight: 11,
        staff: 12,
    },
    Store {
        id: "MUC01",
        name: "Maison Amigo Maximilianstraße",
        address: "Maximilianstraße 32",
        postal_code: "80539",
        city: "München",
        country: Country::DE,
        tz: Europe::Berlin,
        currency: Currency::Eur,
        phone: "+49 89 2102 9381",
        email: "muenchen@maison-amigo.com",
        opening_hours: "Mo-Sa 10:00-19:00",
        hours: (10, 19),
        open_sunday: false,
        age_days: 2_788,
        weight: 7,
        staff: 9,
    },
    Store {
        id: "NYC01",
        name: "Maison Amigo Madison Avenue",
        address: "815 Madison Avenue",
        postal_code: "10065",
        city: "New York",
        country: Country::US,
        tz: America::New_York,
        currency: Currency::Usd,
        phone: "+1 212-744-2215",
        email: "madison@maison-amigo.com",
        opening_hours: "Mo-Sa 10:00-18:00; Su 12:00-17:00",
        hours: (10, 18),
        open_sunday: true,
        age_days: 4_363,
        weight: 14,
        staff: 16,
    },
    Store {
        id: "NYC02",
        name: "Maison Amigo SoHo",
        address: "112 Spring Street",
        postal_code: "10012",
        city: "New York",
        country: Country::US,
        tz: America::New_York,
        currency: Currency::Usd,
        phone: "+1 212-966-4731",
        email: "soho@maison-amigo.com",
        opening_hours: "Mo-Sa 11:00-19:00; Su 12:00-18:00",
        hours: (11, 19),
        open_sunday: true,
        age_days: 3_068,
        weight: 9,
        staff: 10,
    },
    Store {
        id: "LAX01",
        name: "Maison Amigo Melrose Place",
        address: "8439 Melrose Place",
        postal_code: "90069",
        city: "Los Angeles",
        country: Country::US,
        tz: America::Los_Angeles,
        currency: Currency::Usd,
        phone: "+1 323-655-1290",
        email: "melrose@maison-amigo.com",
        opening_hours: "Mo-Sa 11:00-19:00; Su 12:00-17:00",
        hours: (11, 19),
        open_sunday: true,
        age_days: 3_544,
        weight: 9,
        staff: 10,
    },
    Store {
        id: "TYO01",
        name: "Maison Amigo Ginza",
        address: "6-10-1 Ginza, Chuo-ku",
        postal_code: "104-0061",
        city: "Tokyo",
        country: Country::JP,
        tz: Asia::Tokyo,
        currency: Currency::Jpy,
        phone: "+81 3-3572-1180",
        email: "ginza@maison-amigo.com",
        opening_hours: "Mo-Su 11:00-20:00",
        hours: (11, 20),
        open_sunday: true,
        age_days: 4_208,
        weight: 12,
        staff: 14,
    },
    Store {
        id: "TYO02",
        name: "Maison Amigo Omotesando",
        address: "5-1-3 Jingumae, Shibuya-ku",
        postal_code: "150-0001",
        city: "Tokyo",
        country: Country::JP,
        tz: Asia::Tokyo,
        currency: Currency::Jpy,
        phone: "+81 3-6427-2281",
        email: "omotesando@maison-amigo.com",
        opening_hours: "Mo-Su 11:00-20:00",
        hours: (11, 20),
        open_sunday: true,
        age_days: 2_213,
        weight: 8,
        staff: 9,
    },
    Store {
        id: "SEL01",
        name: "Maison Amigo Cheongdam",
        address: "447 Apgujeong-ro, Gangnam-gu",
        postal_code: "06015",
        city: "Seoul",
        country: Country::KR,
        tz: Asia::Seoul,
        currency: Currency::Krw,
        phone: "+82 2-3448-1170",
        email: "cheongdam@maison-amigo.com",
        opening_hours: "Mo-Su 10:30-20:00",
        hours: (10, 20),
        open_sunday: true,
        age_days: 2_970,
        weight: 10,
        staff: 11,
    },
];

/// Stores a customer living in `country` (at `city_name`) is attached to, with weights.
pub fn home_stores(country: Country, city_name: &str) -> &'static [(u8, u32)] {
    match country {
        Country::FR | Country::BE | Country::CH => &[(0, 50), (1, 30), (2, 20)],
        Country::GB | Country::AE => &[(3, 100)],
        Country::IT => &[(4, 100)],
        Country::DE => &[(5, 100)],
        Country::US => match city_name {
            "Los Angeles" | "Beverly Hills" | "Santa Monica" | "San Francisco" | "Seattle" => {
                &[(8, 100)]
            }
            _ => &[(6, 65), (7, 35)],
        },
        Country::JP => &[(9, 65), (10, 35)],
        Country::KR => &[(11, 100)],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    StoreManager,
    ClientAdvisor,
    SalesAssociate,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::StoreManager => "store_manager",
            Role::ClientAdvisor => "client_advisor",
            Role::SalesAssociate => "sales_associate",
        }
    }

    /// FONCTION in the Cegid VENDEURS export.
    pub fn label_fr(self) -> &'static str {
        match self {
            Role::StoreManager => "Directeur de boutique",
            Role::ClientAdvisor => "Conseiller clientèle",
            Role::SalesAssociate => "Vendeur",
        }
    }
}

#[derive(Debug)]
pub struct Associate {
    pub id: String,
    pub store: u8,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: Role,
    pub hired_on: i64,
    pub left_on: Option<i64>,
}

impl Associate {
    pub fn employed_on(&self, day: i64) -> bool {
        self.hired_on <= day && self.left_on.is_none_or(|l| day <= l)
    }
}

fn store_culture(country: Country) -> Culture {
    match country {
        Country::FR | Country::BE | Country::CH => Culture::French,
        Country::GB | Country::US | Country::AE => Culture::English,
        Country::IT => Culture::Italian,
        Country::DE => Culture::German,
        Country::JP => Culture::Japanese,
        Country::KR => Culture::Korean,
    }
}

/// Sales associates of every store, with their managers: each store has a chain of managers
/// covering every day since it opened, plus staff hired and leaving over the years.
pub fn associates(seed: u64, as_of: i64) -> Vec<Associate> {
    let mut rng = Rng::derive(seed, Stream::Stores, 0);
    let mut out = Vec::new();
    for (s, store) in STORES.iter().enumerate() {
        let opened = as_of - store.age_days;
        let culture = store_culture(store.country);
        let person = |rng: &mut Rng, role: Role, hired: i64, left: Option<i64>| {
            let female = rng.chance(0.62);
            let (first, _) = names::given_name(rng, culture, female);
            let (last, _) = names::surname(rng, culture);
            let email = format!(
                "{}.{}@maison-amigo.com",
                email_part(&first),
                email_part(&last)
            );
            Associate {
                id: String::new(),
                store: s as u8,
                first_name: first,
                last_name: last,
                email,
                role,
                hired_on: hired,
                left_on: left,
            }
        };
        // Managers: consecutive tenures from the opening day to today.
        let mut start = opened;
        loop {
            let tenure = rng.range(3 * 365, 7 * 365);
            let end = start + tenure;
            let left = (end < as_of - 30).then_some(end);
            out.push(person(&mut rng, Role::StoreManager, start, left));
            match left {
                Some(l) => start = l + 1,
                None => break,
            }
        }
        // Staff: today's headcount plus those who left over the years.
        let years = (store.age_days / 365).max(1) as u32;
        let total = store.staff + store.staff * years / 4;
        for i in 0..total {
            let role = if rng.chance(0.4) {
                Role::ClientAdvisor
            } else {
                Role::SalesAssociate
            };
            let current = i < store.staff.saturating_sub(1);
            let (hired, left) = if current {
                (rng.range(opened, as_of - 60), None)
            } else {
                let hired = rng.range(opened, as_of - 400);
                let left = hired + rng.range(180, 6 * 365);
                (hired, (left < as_of - 30).then_some(left))
            };
            out.push(person(&mut rng, role, hired, left));
        }
    }
    // Codes in hiring order per store, as the back office numbers them.
    out.sort_by_key(|a| (a.store, a.hired_on));
    for (i, a) in out.iter_mut().enumerate() {
        a.id = format!("V{:04}", 1001 + i);
    }
    out
}

/// Lower-case ASCII for an e-mail local part: accents, spaces and apostrophes removed.
pub fn email_part(s: &str) -> String {
    text::fold(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    ReadyToWear,
    LeatherGoods,
    Shoes,
    Accessories,
    Jewelry,
    Fragrance,
}

pub const CATEGORIES: [Category; 6] = [
    Category::ReadyToWear,
    Category::LeatherGoods,
    Category::Shoes,
    Category::Accessories,
    Category::Jewelry,
    Category::Fragrance,
];

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::ReadyToWear => "ready_to_wear",
            Category::LeatherGoods => "leather_goods",
            Category::Shoes => "shoes",
            Category::Accessories => "accessories",
            Category::Jewelry => "jewelry",
            Category::Fragrance => "fragrance",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Category::ReadyToWear => "RW",
            Category::LeatherGoods => "LG",
            Category::Shoes => "SH",
            Category::Accessories => "AC",
            Category::Jewelry => "JW",
            Category::Fragrance => "FR",
        }
    }

    /// (subcategory, material words, EUR price range)
    fn subcategories(self) -> &'static [(&'static str, &'static [&'static str], (i64, i64))] {
        match self {
            Category::ReadyToWear => &[
                ("dress", &["silk", "crepe", "tweed", "jersey"], (890, 4900)),
                ("coat", &["cashmere", "wool", "double-face"], (1900, 6500)),
                (
                    "jacket",
                    &["tweed", "wool", "leather", "denim"],
                    (1200, 4800),
                ),
                ("blazer", &["wool", "linen", "velvet"], (1100, 2900)),
                ("trousers", &["wool", "cotton", "silk"], (490, 1290)),
                ("skirt", &["pleated", "leather", "tweed"], (490, 1690)),
                ("shirt", &["poplin", "silk", "linen"], (390, 990)),
                ("blouse", &["silk", "lace", "georgette"], (490, 1490)),
                ("sweater", &["cashmere", "merino", "mohair"], (590, 1890)),
                ("t-shirt", &["cotton", "jersey"], (190, 490)),
                ("jeans", &["denim", "raw denim"], (390, 690)),
            ],
            Category::LeatherGoods => &[
                (
                    "tote",
                    &["calfskin", "canvas", "grained leather"],
                    (1500, 4900),
                ),
                (
                    "shoulder bag",
                    &["calfskin", "lambskin", "suede"],
                    (1900, 6500),
                ),
                (
                    "clutch",
                    &["satin", "patent leather", "lambskin"],
                    (890, 2900),
                ),
                (
                    "crossbody bag",
                    &["calfskin", "grained leather"],
                    (1290, 3900),
                ),
                ("backpack", &["nylon", "calfskin"], (1100, 2900)),
                ("wallet", &["calfskin", "grained leather"], (390, 890)),
                (
                    "card holder",
                    &["calfskin", "lizard-effect leather"],
                    (250, 490),
                ),
            ],
            Category::Shoes => &[
                ("sneaker", &["leather", "suede", "canvas"], (590, 990)),
                ("pump", &["patent leather", "suede", "satin"], (690, 1190)),
                ("loafer", &["leather", "suede"], (750, 1150)),
                ("ankle boot", &["leather", "suede"], (990, 1690)),
                ("sandal", &["leather", "raffia"], (590, 990)),
                ("ballerina", &["lambskin", "patent leather"], (590, 890)),
                ("derby", &["polished leather"], (790, 1190)),
            ],
            Category::Accessories => &[
                ("silk scarf", &["silk twill", "silk chiffon"], (290, 590)),
                ("belt", &["calfskin", "reversible leather"], (390, 790)),
                ("sunglasses", &["acetate", "metal"], (390, 690)),
                ("hat", &["felt", "straw", "wool"], (390, 890)),
                ("gloves", &["lambskin", "cashmere-lined"], (390, 690)),
                ("tie", &["silk"], (190, 290)),
                ("key ring", &["leather", "brass"], (190, 390)),
            ],
            Category::Jewelry => &[
                ("ring", &["gold", "silver", "enamel"], (290, 4900)),
                ("necklace", &["gold", "silver", "pearl"], (390, 12000)),
                ("bracelet", &["gold", "silver", "leather"], (290, 6900)),
                ("earrings", &["gold", "silver", "pearl"], (290, 3900)),
                ("brooch", &["gilded brass", "enamel"], (390, 1290)),
                ("cufflinks", &["silver", "gold"], (390, 1490)),
            ],
            Category::Fragrance => &[
                ("eau de parfum", &["floral", "woody", "amber"], (145, 290)),
                ("eau de toilette", &["citrus", "fresh"], (95, 180)),
                ("scented candle", &["fig", "tuberose", "cedar"], (75, 160)),
                ("body lotion", &["rose", "neroli"], (65, 120)),
            ],
        }
    }
}

const CATEGORY_WEIGHTS: [u32; 6] = [36, 18, 15, 14, 10, 7];

const MODEL_NAMES: &[&str] = &[
    "Camille",
    "Rivoli",
    "Vendôme",
    "Marceau",
    "Opéra",
    "Soleil",
    "Étoile",
    "Lune",
    "Margaux",
    "Alma",
    "Jeanne",
    "Iéna",
    "Victoire",
    "Bonaparte",
    "Madeleine",
    "Palais",
    "Concorde",
    "Odéon",
    "Monceau",
    "Trocadéro",
    "Rivage",
    "Arpège",
    "Cléo",
    "Suzanne",
    "Colette",
    "Gabrielle",
    "Louise",
    "Mathilde",
    "Honoré",
    "Royale",
    "Bagatelle",
    "Céleste",
    "Divine",
    "Éclat",
    "Folie",
    "Grâce",
    "Hortense",
    "Ivoire",
    "Joséphine",
    "Lys",
];

const COLLECTIONS: &[&str] = &[
    "Riviera",
    "Nuit Parisienne",
    "Jardin d'Hiver",
    "Bohème",
    "Atelier",
    "Côte Sauvage",
    "Belle Époque",
    "Lumière",
    "Équinoxe",
    "Horizon",
    "Voyage",
    "Impression",
    "Mistral",
    "Sérénade",
    "Tuileries",
    "Montmartre",
    "Saint-Germain",
    "Azur",
    "Nocturne",
    "Grand Tour",
];

const PERMANENT_COLLECTIONS: &[&str] = &["Les Essentiels", "Icônes", "Signature"];

const COLORS: &[(&str, &str)] = &[
    ("Black", "BLK"),
    ("Ivory", "IVO"),
    ("Camel", "CML"),
    ("Navy", "NVY"),
    ("Burgundy", "BRG"),
    ("Red", "RED"),
    ("Grey", "GRY"),
    ("Forest green", "FGR"),
    ("Powder pink", "PPK"),
    ("Sky blue", "SKY"),
    ("Ecru", "ECR"),
    ("Chocolate", "CHO"),
    ("Khaki", "KHA"),
    ("Gold", "GLD"),
    ("Silver", "SLV"),
    ("White", "WHT"),
    ("Beige", "BEI"),
    ("Tan", "TAN"),
];

#[derive(Debug)]
pub struct Product {
    pub sku: String,
    pub style_code: String,
    pub name: String,
    pub category: Category,
    pub subcategory: &'static str,
    pub collection: &'static str,
    pub season: String,
    pub color: &'static str,
    pub size: &'static str,
    pub price_eur: i64,
    pub launched: i64,
    pub permanent: bool,
}

/// The product catalog, sorted by launch date (then SKU).
#[derive(Debug)]
pub struct Catalog {
    pub products: Vec<Product>,
    /// Indices of permanent (bestseller) products.
    pub permanent: Vec<u32>,
}

fn sizes(rng: &mut Rng, category: Category, subcategory: &str) -> &'static [&'static str] {
    match category {
        Category::ReadyToWear => rng.pick::<&[&str]>(&[
            &["XS", "S", "M", "L", "XL"][..],
            &["34", "36", "38", "40", "42", "44"][..],
            &["44", "46", "48", "50", "52", "54"][..],
        ]),
        Category::Shoes => rng.pick::<&[&str]>(&[
            &["35", "36", "37", "38", "39", "40", "41"][..],
            &["39", "40", "41", "42", "43", "44", "45", "46"][..],
        ]),
        Category::Jewelry if subcategory == "ring" => &["48", "50", "52", "54", "56"],
        Category::Fragrance if subcategory.starts_with("eau") => &["50ML", "100ML"],
        Category::Accessories if subcategory == "belt" => &["75", "80", "85", "90", "95"],
        _ => &["TU"],
    }
}

/// Builds about `target` SKUs: styles in every season of the last fifteen years (spring-
/// summer launched late January, fall-winter mid July) plus permanent lines.
pub fn catalog(seed: u64, as_of: i64, target: u64) -> Catalog {
    let mut rng = Rng::derive(seed, Stream::Catalog, 0);
    let (year, _, _) = text::civil_from_days(as_of);
    let mut seasons: Vec<(String, i64, &'static str)> = Vec::new();
    for y in (year - 15)..=year {
        for (code, month, day) in [("SS", 1, 20), ("FW", 7, 15)] {
            let launched = text::days_from_civil(y, month, day);
            if launched <= as_of {
                let name =
                    COLLECTIONS[(y as usize * 2 + usize::from(code == "FW")) % COLLECTIONS.len()];
                seasons.push((format!("{code}{:02}", y % 100), launched, name));
            }
        }
    }
    let brand_start = as_of - 15 * 365;
    let mut products = Vec::with_capacity(target as usize + 16);
    let mut style_no = 0u32;
    while (products.len() as u64) < target {
        style_no += 1;
        let permanent = rng.chance(0.12);
        let (season, launched, collection) = if permanent {
            let launched = rng.range(brand_start, as_of - 90);
            (
                "PERM".to_string(),
                launched,
                *rng.pick(PERMANENT_COLLECTIONS),
            )
        } else {
            // More styles in recent seasons.
            let i = seasons.len() - 1 - rng.skewed(seasons.len(), 2);
            let (code, launched, name) = &seasons[i];
            (code.clone(), *launched, *name)
        };
        let category = CATEGORIES[rng.weighted(&CATEGORY_WEIGHTS)];
        let subs = category.subcategories();
        let (subcategory, materials, (lo, hi)) = subs[rng.index(subs.len())];
        let material = rng.pick(materials);
        let model = rng.pick(MODEL_NAMES);
        let name = format!("{model} {material} {subcategory}");
        let span = (hi - lo) / 10;
        let price_eur = (lo + 10 * rng.skewed(span as usize + 1, 2) as i64) * 100;
        let style_code = format!("{}-{}-{:05}", category.prefix(), season, style_no);
        let n_colors = 1 + rng.skewed(4, 2);
        let size_list = sizes(&mut rng, category, subcategory);
        let first_color = rng.index(COLORS.len());
        for c in 0..n_colors {
            let (color, color_code) = COLORS[(first_color + c * 5) % COLORS.len()];
            for size in size_list {
                products.push(Product {
                    sku: format!("{style_code}-{color_code}-{size}"),
                    style_code: style_code.clone(),
                    name: name.clone(),
                    category,
                    subcategory,
                    collection,
                    season: season.clone(),
                    color,
                    size,
                    price_eur,
                    launched,
                    permanent,
                });
            }
        }
    }
    products.truncate(target as usize);
    products.sort_by(|a, b| a.launched.cmp(&b.launched).then_with(|| a.sku.cmp(&b.sku)));
    let permanent = products
        .iter()
        .enumerate()
        .filter(|(_, p)| p.permanent)
        .map(|(i, _)| i as u32)
        .collect();
    Catalog {
        products,
        permanent,
    }
}

impl Catalog {
    /// Number of products launched on or before `day`.
    pub fn launched_by(&self, day: i64) -> usize {
        self.products.partition_point(|p| p.launched <= day)
    }

    /// A product on sale on `day`: bestsellers from the permanent lines, or (mostly) something
    /// recent. `None` only if nothing had been launched yet.
    pub fn pick(&self, rng: &mut Rng, day: i64) -> Option<u32> {
        let n = self.launched_by(day);
        if n == 0 {
            return None;
        }
        if rng.chance(0.25) {
            let perm_n = self.permanent.partition_point(|&i| (i as usize) < n);
            if perm_n > 0 {
                return Some(self.permanent[rng.skewed(perm_n, 2)]);
            }
        }
        Some((n - 1 - rng.skewed(n, 3)) as u32)
    }
}

/// Marketing campaigns by month: a monthly newsletter, season launches, private sales, festive
/// campaigns. Codes are what the e-mail/SMS platform records.
#[derive(Debug)]
pub struct Campaigns {
    pub codes: Vec<String>,
    /// For each month since `first_month`, the range of `codes` active that month.
    by_month: Vec<(u32, u32)>,
    first_month: i64,
}

fn month_index(day: i64) -> i64 {
    let (y, m, _) = text::civil_from_days(day);
    y * 12 + i64::from(m) - 1
}

pub fn campaigns(as_of: i64) -> Campaigns {
    let first_month = month_index(as_of - 16 * 365);
    let last_month = month_index(as_of);
    let mut codes = Vec::new();
    let mut by_month = Vec::new();
    for m in first_month..=last_month {
        let (y, mo) = (m / 12, m % 12 + 1);
        let start = codes.len() as u32;
        codes.push(format!("NL-{y}-{mo:02}"));
        let yy = y % 100;
        match mo {
            1 | 2 => codes.push(format!("SS{yy:02}-LAUNCH")),
            7..=9 => codes.push(format!("FW{yy:02}-LAUNCH")),
            _ => {}
        }
        match mo {
            2 => codes.push(format!("VALENTINE-{y}")),
            5 => codes.push(format!("MOTHERS-DAY-{y}")),
            6 => codes.push(format!("PRIVATE-SALE-{y}-06")),
            12 => {
                codes.push(format!("PRIVATE-SALE-{y}-12"));
                codes.push(format!("XMAS-{y}"));
            }
            11 => codes.push(format!("XMAS-{y}")),
            _ => {}
        }
        by_month.push((start, codes.len() as u32));
    }
    Campaigns {
        codes,
        by_month,
        first_month,
    }
}

impl Campaigns {
    /// A campaign running in the month of `secs`.
    pub fn pick(&self, rng: &mut Rng, secs: i64) -> u32 {
        let m = month_index(secs.div_euclid(SECS_PER_DAY)) - self.first_month;
        let (lo, hi) = usize::try_from(m)
            .ok()
            .and_then(|m| self.by_month.get(m).copied())
            .unwrap_or((0, 1));
        lo + rng.below(u64::from(hi - lo)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_store_has_a_manager_every_day() {
        let as_of = text::days_from_civil(2026, 10, 31);
        let all = associates(1, as_of);
        for (s, store) in STORES.iter().enumerate() {
            let opened = as_of - store.age_days;
            for day in (opened..=as_of).step_by(17) {
                assert!(
                    all.iter().any(|a| usize::from(a.store) == s
                        && a.role == Role::StoreManager
                        && a.employed_on(day)),
                    "{} on day {day}",
                    store.id
                );
            }
        }
        let mut ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn catalog_has_unique_skus_and_the_target_size() {
        let as_of = text::days_from_civil(2026, 10, 31);
        let c = catalog(1, as_of, 3000);
        assert_eq!(c.products.len(), 3000);
        let mut skus: Vec<&str> = c.products.iter().map(|p| p.sku.as_str()).collect();
        skus.sort_unstable();
        skus.dedup();
        assert_eq!(skus.len(), 3000);
        assert!(c.products.iter().all(|p| p.launched <= as_of));
        let mut rng = Rng::new(1);
        let day = as_of - 100;
        for _ in 0..100 {
            let i = c.pick(&mut rng, day).expect("product");
            assert!(c.products[i as usize].launched <= day);
        }
        let camp = campaigns(as_of);
        let code = &camp.codes[camp.pick(&mut rng, as_of * SECS_PER_DAY) as usize];
        assert!(code.contains("2026") || code.contains("26"), "{code}");
    }
}
