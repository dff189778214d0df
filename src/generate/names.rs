//! Bundled name lists per culture, with nicknames, romanization variants and English aliases.
//!
//! Lists are ordered by frequency (most common first) and sampled with a skew; family names are
//! completed by a generator that composes plausible names from roots and suffixes, so that a
//! million people do not all share a few hundred surnames. Each entry is `Name|variant,variant`:
//! for French, English, Italian and German given names the variants are nicknames (Robert|Bob),
//! for Japanese, Korean and Arabic names they are other romanizations (Sato|Satou,Satoh,Satō).

use std::sync::OnceLock;

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Culture {
    French,
    English,
    Italian,
    German,
    Japanese,
    Korean,
    Arabic,
}

impl Culture {
    /// Whether the variants of given names are nicknames (else romanizations).
    pub fn variants_are_nicknames(self) -> bool {
        matches!(
            self,
            Culture::French | Culture::English | Culture::Italian | Culture::German
        )
    }

    /// Whether women commonly take their husband's family name.
    pub fn married_name_change(self) -> bool {
        !matches!(self, Culture::Korean | Culture::Arabic)
    }
}

/// A name and its variants (nicknames or romanizations).
#[derive(Debug)]
pub struct Entry {
    pub name: &'static str,
    pub variants: Vec<&'static str>,
}

#[derive(Debug)]
struct CultureNames {
    female: Vec<Entry>,
    male: Vec<Entry>,
    surnames: Vec<Entry>,
    /// Explicit frequency weights for surnames (Korean), else a skewed draw is used.
    surname_weights: Vec<u32>,
    /// Share of people whose family name comes from the common list rather than the generator.
    common_share: f64,
    roots: Vec<String>,
    suffixes: Vec<&'static str>,
    /// Consonants that join a root ending in a vowel to a suffix starting with one.
    links: &'static [&'static str],
    aliases_female: Vec<&'static str>,
    aliases_male: Vec<&'static str>,
}

/// Where a given name came from, so that its variants can be found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GivenRef {
    Listed(u16),
    /// A Korean given name made of two syllables (indices into the syllable tables).
    Korean(u8, u8),
    /// A composed name (French compound, Japanese built from morae): no listed variants.
    Composed,
}

/// Syllables that compose family-name roots: onset + vowel + coda.
struct Syllables {
    onsets: &'static [&'static str],
    vowels: &'static [&'static str],
    codas: &'static [&'static str],
}

/// Where a family name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurnameRef {
    Listed(u16),
    Composed,
}

fn parse(block: &'static str) -> Vec<Entry> {
    block
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (name, variants) = item.split_once('|').unwrap_or((item, ""));
            Entry {
                name: name.trim(),
                variants: variants
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .collect(),
            }
        })
        .collect()
}

fn words(block: &'static str) -> Vec<&'static str> {
    block
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Splits `Name*weight` entries of the Korean surname list.
fn weighted(block: &'static str) -> (Vec<Entry>, Vec<u32>) {
    let mut weights = Vec::new();
    let entries = parse(block)
        .into_iter()
        .map(|mut e| {
            let (name, w) = e.name.split_once('*').unwrap_or((e.name, "1"));
            e.name = name;
            weights.push(w.parse().unwrap_or(1));
            e
        })
        .collect();
    (entries, weights)
}

/// Roots for composed family names: the explicit list plus every onset + vowel + coda.
fn roots(explicit: &'static str, syllables: Option<&Syllables>) -> Vec<String> {
    let mut out: Vec<String> = words(explicit).into_iter().map(String::from).collect();
    if let Some(s) = syllables {
        for onset in s.onsets {
            for vowel in s.vowels {
                for coda in s.codas {
                    out.push(format!("{onset}{vowel}{coda}"));
                }
            }
        }
    }
    out
}

/// Arabic family names: Ben/Bou/El/Aït + a Maghreb stem (Benyoussef, Ben Said, Bouziane,
/// Aït Kaci), the stem alone or with -i (Mansouri), Abdel + a divine attribute (Abdelkader), or
/// Al- + a Gulf tribal name (Al-Shamsi).
fn arabic_roots() -> Vec<String> {
    let mut out = Vec::new();
    for stem in words(AR_STEMS) {
        let lower = stem.to_lowercase();
        out.push(format!("Ben{lower}"));
        out.push(format!("Ben {stem}"));
        out.push(format!("Bou{lower}"));
        out.push(format!("El {stem}"));
        out.push(format!("Aït {stem}"));
        out.push(stem.to_string());
        if !stem.ends_with('i') {
            out.push(format!("{stem}i"));
        }
    }
    for attribute in words(AR_ATTRIBUTES) {
        out.push(format!("Abdel{}", attribute.to_lowercase()));
    }
    for tribe in words(AR_GULF) {
        out.push(format!("Al-{tribe}"));
    }
    out
}

fn data() -> &'static [CultureNames; 7] {
    static DATA: OnceLock<[CultureNames; 7]> = OnceLock::new();
    DATA.get_or_init(|| {
        let (ko_surnames, ko_weights) = weighted(KO_SURNAMES);
        let western =
            |female, male, surnames, roots_list, syllables: &Syllables, suffixes, links| {
                CultureNames {
                    female: parse(female),
                    male: parse(male),
                    surnames: parse(surnames),
                    surname_weights: Vec::new(),
                    common_share: 0.15,
                    roots: roots(roots_list, Some(syllables)),
                    suffixes: words(suffixes),
                    links,
                    aliases_female: Vec::new(),
                    aliases_male: Vec::new(),
                }
            };
        [
            western(
                FR_FEMALE,
                FR_MALE,
                FR_SURNAMES,
                FR_ROOTS,
                &FR_SYLLABLES,
                FR_SUFFIXES,
                &["r", "v", "ss", "ch", "ll", "n"],
            ),
            western(
                EN_FEMALE,
                EN_MALE,
                EN_SURNAMES,
                EN_ROOTS,
                &EN_SYLLABLES,
                EN_SUFFIXES,
                &["r", "l", "n"],
            ),
            western(
                IT_FEMALE,
                IT_MALE,
                IT_SURNAMES,
                IT_ROOTS,
                &IT_SYLLABLES,
                IT_SUFFIXES,
                &["r", "l", "n", "tt", "ss"],
            ),
            western(
                DE_FEMALE,
                DE_MALE,
                DE_SURNAMES,
                DE_ROOTS,
                &DE_SYLLABLES,
                DE_SUFFIXES,
                &["r", "l", "n", "s"],
            ),
            CultureNames {
                female: parse(JA_FEMALE),
                male: parse(JA_MALE),
                surnames: parse(JA_SURNAMES),
                surname_weights: Vec::new(),
                common_share: 0.3,
                roots: roots(JA_ROOTS, None),
                suffixes: words(JA_SUFFIXES),
                links: &[],
                aliases_female: words(JA_ALIASES_F),
                aliases_male: words(JA_ALIASES_M),
            },
            CultureNames {
                female: Vec::new(),
                male: Vec::new(),
                surnames: ko_surnames,
                surname_weights: ko_weights,
                common_share: 1.0,
                roots: Vec::new(),
                suffixes: Vec::new(),
                links: &[],
                aliases_female: words(KO_ALIASES_F),
                aliases_male: words(KO_ALIASES_M),
            },
            CultureNames {
                female: parse(AR_FEMALE),
                male: parse(AR_MALE),
                surnames: parse(AR_SURNAMES),
                surname_weights: Vec::new(),
                common_share: 0.25,
                roots: arabic_roots(),
                suffixes: vec![""],
                links: &[],
                aliases_female: Vec::new(),
                aliases_male: Vec::new(),
            },
        ]
    })
}

fn culture_names(culture: Culture) -> &'static CultureNames {
    &data()[culture as usize]
}

/// Draws a given name: the canonical spelling and where it came from. Curated lists are
/// drawn uniformly (they hold names that are all common); French compound names
/// (Marie-Louise, Jean-Paul) and Japanese names built from two morae widen the range.
pub fn given_name(rng: &mut Rng, culture: Culture, female: bool) -> (String, GivenRef) {
    match culture {
        Culture::Korean => {
            let (firsts, seconds) = korean_syllables(female);
            let a = rng.index(firsts.len());
            let b = rng.index(seconds.len());
            let name = korean_given(firsts[a], seconds[b], '-', false);
            return (name, GivenRef::Korean(a as u8, b as u8));
        }
        Culture::Japanese if rng.chance(0.7) => {
            let (firsts, ends) = if female {
                (JA_GIVEN_FEMALE_FIRST, JA_GIVEN_FEMALE_END)
            } else {
                (JA_GIVEN_MALE_FIRST, JA_GIVEN_MALE_END)
            };
            let name = format!("{}{}", rng.pick(firsts), rng.pick(ends));
            return (name, GivenRef::Composed);
        }
        Culture::French if rng.chance(0.08) => {
            let names = culture_names(culture);
            let list = if female { &names.female } else { &names.male };
            let first = if female {
                *rng.pick(&["Marie", "Anne", "Marie", "Anne", "Laure"])
            } else {
                *rng.pick(&["Jean", "Pierre", "Jean", "Louis", "Paul"])
            };
            let second = list[rng.index(list.len())].name;
            if !second.contains('-') && second != first {
                return (format!("{first}-{second}"), GivenRef::Composed);
            }
        }
        _ => {}
    }
    let names = culture_names(culture);
    let list = if female { &names.female } else { &names.male };
    let i = rng.index(list.len());
    (list[i].name.to_string(), GivenRef::Listed(i as u16))
}

fn starts_with_vowel(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| "aeiouyàâéèêëïîôöüAEIOUY".contains(c))
}

/// Draws a family name: from the common list (uniformly, or by frequency for Korean) or
/// composed from a root and a suffix (with a linking consonant between two vowels).
pub fn surname(rng: &mut Rng, culture: Culture) -> (String, SurnameRef) {
    let names = culture_names(culture);
    let composed_possible = !names.roots.is_empty() && !names.suffixes.is_empty();
    if !composed_possible || rng.chance(names.common_share) {
        let i = if names.surname_weights.is_empty() {
            rng.index(names.surnames.len())
        } else {
            rng.weighted(&names.surname_weights)
        };
        return (
            names.surnames[i].name.to_string(),
            SurnameRef::Listed(i as u16),
        );
    }
    let root = rng.pick(&names.roots);
    let suffix = rng.pick(&names.suffixes);
    let mut name = String::with_capacity(root.len() + suffix.len() + 2);
    name.push_str(root);
    let root_ends_with_vowel = root.chars().last().is_some_and(|c| "aeiouy".contains(c));
    if root_ends_with_vowel && starts_with_vowel(suffix) && !names.links.is_empty() {
        name.push_str(rng.pick::<&str>(names.links));
    }
    // Wath + ham → Watham, Tend + den → Tenden.
    let suffix = match (root.chars().last(), suffix.chars().next()) {
        (Some(a), Some(b)) if a == b && !starts_with_vowel(suffix) => &suffix[b.len_utf8()..],
        _ => suffix,
    };
    name.push_str(suffix);
    (name, SurnameRef::Composed)
}

/// Nicknames of a given name (empty when it has none or the culture uses romanizations).
pub fn nicknames(culture: Culture, female: bool, given: GivenRef) -> &'static [&'static str] {
    if !culture.variants_are_nicknames() {
        return &[];
    }
    listed_variants(culture, female, given)
}

fn listed_variants(culture: Culture, female: bool, given: GivenRef) -> &'static [&'static str] {
    let names = culture_names(culture);
    let list = if female { &names.female } else { &names.male };
    match given {
        GivenRef::Listed(i) => list
            .get(usize::from(i))
            .map(|e| e.variants.as_slice())
            .unwrap_or(&[]),
        GivenRef::Korean(..) | GivenRef::Composed => &[],
    }
}

/// Other romanizations of a given name (Japanese, Korean, Arabic), never the canonical one.
pub fn given_romanizations(
    culture: Culture,
    female: bool,
    given: GivenRef,
    canonical: &str,
) -> Vec<String> {
    match (culture, given) {
        (Culture::Korean, GivenRef::Korean(a, b)) => {
            let (firsts, seconds) = korean_syllables(female);
            let (Some(first), Some(second)) =
                (firsts.get(usize::from(a)), seconds.get(usize::from(b)))
            else {
                return Vec::new();
            };
            let mut out = vec![
                korean_given(first, second, '\0', false),
                korean_given(first, second, ' ', true),
                korean_given(first, second, '-', true),
            ];
            for (syllable, alternatives) in KO_SYLLABLE_VARIANTS {
                let swap = |s: &str| {
                    if s.eq_ignore_ascii_case(syllable) {
                        alternatives.first().copied()
                    } else {
                        None
                    }
                };
                if let Some(alt) = swap(second) {
                    out.push(korean_given(first, alt, '-', false));
                }
                if let Some(alt) = swap(&first.to_ascii_lowercase()) {
                    out.push(korean_given(&capitalize(alt), second, '\0', false));
                }
            }
            out.retain(|v| v != canonical);
            out.dedup();
            out
        }
        (Culture::Japanese | Culture::Arabic, _) => listed_variants(culture, female, given)
            .iter()
            .map(|s| s.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Other romanizations of a family name.
pub fn surname_romanizations(
    culture: Culture,
    surname: SurnameRef,
    canonical: &str,
) -> Vec<String> {
    let names = culture_names(culture);
    let mut out: Vec<String> = match surname {
        SurnameRef::Listed(i) => names
            .surnames
            .get(usize::from(i))
            .map(|e| e.variants.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        SurnameRef::Composed => Vec::new(),
    };
    if culture == Culture::Arabic
        && let Some(rest) = canonical.strip_prefix("Al-")
    {
        out.push(format!("Al {rest}"));
        out.push(format!("Al{}", rest.to_lowercase()));
        out.push(format!("El {rest}"));
    }
    out.retain(|v| v != canonical);
    out
}

/// English first names used by Korean and Japanese customers abroad (Ji-woo → Jenny).
pub fn english_alias(rng: &mut Rng, culture: Culture, female: bool) -> Option<&'static str> {
    let names = culture_names(culture);
    let list = if female {
        &names.aliases_female
    } else {
        &names.aliases_male
    };
    (!list.is_empty()).then(|| *rng.pick(list))
}

/// The accented spelling of a name commonly written without accents (Zoe → Zoé), if any.
pub fn accented_form(name: &str) -> Option<&'static str> {
    ACCENTED_FORMS
        .iter()
        .find(|(plain, _)| *plain == name)
        .map(|(_, accented)| *accented)
}

fn korean_syllables(female: bool) -> (&'static [&'static str], &'static [&'static str]) {
    if female {
        (KO_FEMALE_FIRST, KO_FEMALE_SECOND)
    } else {
        (KO_MALE_FIRST, KO_MALE_SECOND)
    }
}

/// Joins two syllables: `Ji-woo` (separator '-'), `Jiwoo` ('\0'), `Ji Woo` (' ', capitalized).
fn korean_given(first: &str, second: &str, sep: char, capitalize_second: bool) -> String {
    let mut s = String::with_capacity(first.len() + second.len() + 1);
    s.push_str(first);
    if sep != '\0' {
        s.push(sep);
    }
    if capitalize_second {
        s.push_str(&capitalize(second));
    } else {
        s.push_str(second);
    }
    s
}

pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

const ACCENTED_FORMS: &[(&str, &str)] = &[
    ("Zoe", "Zoé"),
    ("Chloe", "Chloé"),
    ("Leo", "Léo"),
    ("Theo", "Théo"),
    ("Noel", "Noël"),
    ("Joel", "Joël"),
    ("Renee", "Renée"),
    ("Andre", "André"),
    ("Rene", "René"),
    ("Lea", "Léa"),
    ("Noemi", "Noémi"),
    ("Emilia", "Émilia"),
    ("Elena", "Eléna"),
    ("Irene", "Irène"),
    ("Daniele", "Danièle"),
    ("Michele", "Michèle"),
    ("Celia", "Célia"),
    ("Ines", "Inès"),
    ("Jose", "José"),
    ("Helena", "Héléna"),
    ("Valerie", "Valérie"),
    ("Melanie", "Mélanie"),
    ("Stephanie", "Stéphanie"),
    ("Eric", "Éric"),
    ("Lena", "Léna"),
    ("Elias", "Élias"),
    ("Raphael", "Raphaël"),
    ("Michael", "Michaël"),
];

const FR_FEMALE: &str = "
Marie;Nathalie|Nath;Isabelle|Isa;Sophie;Camille|Cam;Valérie|Val;Sandrine;Stéphanie|Steph;Céline;
Caroline|Caro;Véronique|Véro;Julie|Juju;Aurélie|Lili;Émilie|Mimi;Hélène;Anne;Laurence;Claire;Élodie;
Virginie;Patricia|Patou;Florence|Flo;Françoise|Fanfan;Martine;Chantal;Nicole;Brigitte|Bibi;Dominique|Domi;
Pascale;Corinne;Laetitia|Laeti;Audrey;Mélanie|Mel;Charlotte|Charlie;Manon;Léa;Chloé;Inès;Sarah;Emma;Jade;
Louise|Lou;Alice;Lina;Zoé;Juliette|Juju;Anaïs;Pauline|Popo;Marion;Mathilde|Mathou;Agathe;Clémence;
Margaux|Margot;Ophélie;Noémie;Éloïse;Héloïse;Capucine|Capu;Bérénice;Apolline;Victoire;Constance;Diane;
Eugénie;Joséphine|Jo,Josie;Gaëlle;Maëlys;Agnès;Thérèse;Geneviève|Ginette;Élisabeth|Babette,Zaza,Élise;
Marie-Christine|Marie-Chris;Marie-Thérèse|Maïté;Anne-Sophie;Marie-Claire;Cécile;Delphine;Séverine;
Karine;Muriel;Béatrice|Béa;Estelle;Adèle;Rose;Jeanne|Jeannette;Valentine|Val;Solène;Océane;Coralie;
Amandine|Mandy;Laure;Ségolène;Hortense;Bénédicte;Odile;Emmanuelle|Manue;Alexandra|Alex,Sandra;
Christine|Kiki;Catherine|Cathy,Cathou;Margot;Lucie;Romane;Ambre;Clara;Eva;Lou;Nina;Maud;Blanche;
Mireille;Colette;Danielle|Dany;Sylvie;Sabine;Armelle;Edwige;Gwendoline|Gwen;Aude;Axelle;Faustine;
Garance;Iris;Léonie;Mila;Olympe;Philippine;Raphaëlle;Salomé;Sixtine;Tiphaine;Yvonne
";

const FR_MALE: &str = "
Jean|Jeannot;Pierre|Pierrot;Philippe|Phil;Nicolas|Nico;Christophe|Chris,Cricri;Stéphane|Steph;Laurent;
Frédéric|Fred;Sébastien|Seb;David;Julien|Juju;Thomas|Tom,Tommy;Olivier;Éric;François|Fanfan,Francis;
Patrick|Pat;Pascal;Thierry;Vincent|Vince;Guillaume|Guigui,Guillou;Antoine|Toinou;Alexandre|Alex;
Maxime|Max;Benjamin|Ben,Benji;Romain;Mathieu|Matt;Jérôme|Jéjé;Emmanuel|Manu;Arnaud;Cédric;Yves;
Bernard|Nanard;Jacques|Jacquot;Henri|Riri;Louis|Loulou;Hugo;Lucas;Gabriel|Gaby;Raphaël|Raph;Léo;
Arthur|Tutur;Jules;Adam;Théo;Noël;Clément;Étienne;Timothée|Tim;Baptiste|Titou,Bapt;
Jean-Pierre|JP;Jean-Luc;Jean-Marc;Jean-François|JF;Jean-Baptiste|JB;Charles|Charlie;Édouard|Ed,Doudou;
Hubert;Gaspard;Aurélien;Bastien;Quentin;Kevin;Florian|Flo;Gilles;Didier;Dominique|Dom;Bertrand;
Grégoire|Greg;Matthias;Augustin|Gus;Victor;Côme;Tanguy;Gautier;Joël;Gaël;René;André|Dédé;Claude;
Marc;Paul|Paulo;Xavier;Benoît;Denis;Michel|Mimi;Alain;Daniel|Dany;Gérard|Gégé;Robert|Bob;Serge;
Bruno;Franck;Ludovic|Ludo;Damien;Anthony|Tony;Jonathan|Jon;Loïc;Yann;Erwan;Tristan;Valentin|Val;
Martin;Simon;Louis-Marie;Aymeric;Foucauld;Hadrien;Marius;Sacha;Nathan;Ethan;Mathis;Enzo;Noah;Sylvain
";

const FR_SURNAMES: &str = "
Martin;Bernard;Thomas;Petit;Robert;Richard;Durand;Dubois;Moreau;Laurent;Simon;Michel;Lefebvre;Leroy;
Roux;David;Bertrand;Morel;Fournier;Girard;Bonnet;Dupont;Lambert;Fontaine;Rousseau;Vincent;Muller;
Lefèvre;Faure;André;Mercier;Blanc;Guérin;Boyer;Garnier;Chevalier;François;Legrand;Gauthier;Garcia;
Perrin;Robin;Clément;Morin;Nicolas;Henry;Roussel;Mathieu;Gautier;Masson;Marchand;Duval;Denis;Dumont;
Marie;Lemaire;Noël;Meyer;Dufour;Meunier;Brun;Blanchard;Giraud;Joly;Rivière;Lucas;Brunet;Gaillard;
Barbier;Arnaud;Martinez;Gérard;Roche;Renard;Schmitt;Roy;Leroux;Colin;Vidal;Caron;Picard;Roger;Fabre;
Aubert;Lemoine;Renaud;Dumas;Lacroix;Olivier;Philippe;Bourgeois;Pierre;Benoît;Rey;Leclerc;Payet;
Rolland;Leclercq;Guillaume;Lecomte;Lopez;Jean;Dupuy;Guillot;Hubert;Berger;Carpentier;Sanchez;Dupuis;
Moulin;Louis;Deschamps;Huet;Vasseur;Perez;Boucher;Fleury;Royer;Klein;Jacquet;Adam;Paris;Poirier;
Marty;Aubry;Guyot;Carré;Charles;Renault;Charpentier;Ménard;Maillard;Baron;Bertin;Bailly;Hervé;
Schneider;Fernandez;Le Gall;Collet;Léger;Bouvier;Julien;Prévost;Millet;Perrot;Daniel;Le Roux;Cousin;
Germain;Breton;Besson;Langlois;Rémy;Le Goff;Pelletier;Lévêque;Perrier;Leblanc;Barré;Lebrun;Marchal;
Weber;Mallet;Hamon;Boulanger;Jacob;Monnier;Michaud;Rodriguez;Guichard;Gillet;Étienne;Grondin;
Poulain;Tessier;Chevallier;Collin;Chauvin;Da Silva;Bouchet;Gay;Lemaître;Bénard;Maréchal;Humbert;
Reynaud;Antoine;Hoarau;Perret;Barthélemy;Cordier;Pichon;Lejeune;Gilbert;Lamy;Delaunay;Pasquier;
Carlier;Laporte;de Villiers;de Montfort;d'Harcourt;de La Tour;de Castellane;de Noailles;Nguyen;
Cohen;Lévy;Benhamou;Dos Santos;Ferreira;Pereira;Rossi;Kaya
";

const FR_ROOTS: &str = "
Bel;Beau;Bon;Bour;Chal;Chap;Chaum;Cour;Fav;Garn;Lam;Lanc;Mar;Mor;Pell;Ren;Rich;Rob;Roch;Rouss;Sav;
Tal;Thib;Vaill;Verd;Boiss;Brun;Chast;Chauv;Clav;Coqu;Desch;Duch;Dum;Dur;Font;Forest;Fouc;Gaill;Gal;
Gaud;Gir;Goss;Guill;Jacqu;Jou;Lab;Lach;Land;Lat;Lav;Mallet;Marc;Mass;Maur;Mich;Noy;Pag;Perr;Pich;
Poul;Raff;Rag;Rav;Rig;Riv;Rog;Sauv;Tourn;Vall;Vern;Vidal;Vill;Bouch;Brach;Cham;Cott;Crem;Delorm;
Deval;Dubr;Duchen;Dupl;Escoff;Fauch;Ferr;Gauth;Gerv;Houd;Lecl;Lemerc;Marqu;Montag;Montr;Norm;Ollivi;
Pasc;Quen;Rabut;Regn;Sarraz;Tard;Tessi;Thév;Trouv;Vasl;Viard
";

const FR_SUFFIXES: &str = "
ard;aud;et;ot;in;ier;eau;ais;and;ault;enne;ette;ignac;illon;oux;y;an;at;eron;esse;elin;ereau;ichon;
inet;iot;oit;ouin;ourt;ès;on;iaux;ignon;ise;aux;ez;erie;ereux
";

const EN_FEMALE: &str = "
Elizabeth|Liz,Beth,Betty,Lizzie;Margaret|Maggie,Peggy,Meg;Jennifer|Jen,Jenny;Sarah;Jessica|Jess;Emily|Em;
Emma;Olivia|Liv;Sophie;Charlotte|Lottie,Charlie;Amelia|Millie;Isabella|Bella,Izzy;Grace;Lucy;Hannah;
Katherine|Kate,Kathy,Katie;Victoria|Vicky,Tori;Rebecca|Becky;Rachel;Laura;Amanda|Mandy;Samantha|Sam;
Patricia|Pat,Trish,Patty;Susan|Sue,Suzy;Deborah|Debbie,Deb;Barbara|Barb;Linda;Karen;Nancy;Helen;Alice;
Eleanor|Ellie,Nell;Abigail|Abby;Madison|Maddie;Ashley;Megan|Meg;Lauren;Chloe;Zoe;Ava;Mia;Harper;
Evelyn|Evie;Georgia|Georgie;Florence|Flo;Harriet|Hattie;Imogen|Immy;Poppy;Rosie;Amy;Claire;
Natalie|Nat;Caroline|Carrie;Diana|Di;Julia|Jules;Anna;Renee;Stephanie|Steph;Christina|Chris,Tina;
Michelle|Shelly;Kimberly|Kim;Melissa|Mel;Allison|Ali;Joanna|Jo;Catherine|Cathy,Cat;Alexandra|Alex,Lexi;
Jacqueline|Jackie;Theresa|Tess,Terri;Josephine|Josie,Jo;Penelope|Penny;Philippa|Pippa;Henrietta|Etta;
Frances|Fran,Frankie;Gabrielle|Gabby;Heather;Holly;Isla;Jane;Lily;Matilda|Tilly;Ruby;Scarlett;
Sienna;Willow;Beatrice|Bea,Trixie;Clementine|Clem;Daisy;Ella;Freya;Hazel;Ivy;Nora;Ophelia
";

const EN_MALE: &str = "
James|Jim,Jimmy,Jamie;John|Jack,Johnny;Robert|Bob,Rob,Bobby;Michael|Mike,Mikey;William|Will,Bill,Billy;
David|Dave;Richard|Rick,Dick,Richie;Thomas|Tom,Tommy;Charles|Charlie,Chuck;Christopher|Chris;
Daniel|Dan,Danny;Matthew|Matt;Anthony|Tony;Mark;Andrew|Andy,Drew;Joseph|Joe,Joey;Edward|Ed,Ted,Eddie;
Benjamin|Ben;Samuel|Sam;Alexander|Alex,Xander;Nicholas|Nick;Jonathan|Jon;Timothy|Tim;Stephen|Steve;
Kenneth|Ken;Steven|Steve;Paul;George;Henry|Harry,Hank;Oliver|Ollie;Jack;Harry;Noah;Leo;Theo;Oscar;
Arthur|Art;Frederick|Fred,Freddie;Peter|Pete;Patrick|Pat;Philip|Phil;Gregory|Greg;Raymond|Ray;
Lawrence|Larry;Gerald|Gerry;Douglas|Doug;Jeffrey|Jeff;Ryan;Jason;Justin;Brandon;Tyler;Ethan;Lucas;
Nathan|Nate;Zachary|Zach;Joel;Noel;Andre;Hugh;Rupert;Hugo;Sebastian|Seb;Dominic|Dom;Edmund|Ed;
Archibald|Archie;Alfred|Alfie,Fred;Benedict|Ben;Cameron|Cam;Christian|Chris;Donald|Don;Eric;
Francis|Frank;Gabriel|Gabe;Harrison;Isaac;Jacob|Jake;Joshua|Josh;Louis|Lou;Max;Nathaniel|Nate;
Owen;Quentin;Reginald|Reggie;Simon;Spencer;Victor|Vic;Walter|Walt;Wesley|Wes
";

const EN_SURNAMES: &str = "
Smith;Jones;Williams;Taylor;Brown;Davies;Evans;Wilson;Thomas;Johnson;Roberts;Robinson;Thompson;Wright;
Walker;White;Edwards;Hughes;Green;Hall;Lewis;Harris;Clarke;Patel;Jackson;Wood;Turner;Martin;Cooper;
Hill;Ward;Morris;Moore;Clark;Lee;King;Baker;Harrison;Morgan;Allen;James;Scott;Phillips;Watson;Davis;
Parker;Price;Bennett;Young;Griffiths;Mitchell;Kelly;Cook;Carter;Richardson;Bailey;Collins;Bell;Shaw;
Murphy;Miller;Cox;Richards;Khan;Marshall;Anderson;Simpson;Ellis;Adams;Singh;Begum;Wilkinson;Foster;
Chapman;Powell;Webb;Rogers;Gray;Mason;Ali;Hunt;Hussain;Campbell;Matthews;Owen;Palmer;Holmes;Mills;
Barnes;Knight;Lloyd;Butler;Russell;Barker;Fisher;Stevens;Jenkins;Murray;Dixon;Harvey;Garcia;
Rodriguez;Martinez;Hernandez;Lopez;Gonzalez;Nguyen;Kim;O'Brien;O'Connor;McDonald;MacLeod;Fitzgerald;
Montgomery;Spencer-Churchill;Cavendish;Ashworth;Pemberton;Whitaker
";

const EN_ROOTS: &str = "
Ash;Brad;Whit;Hawk;Black;Brook;Cald;Chad;Craw;Dal;Fair;Good;Hart;Kings;Lang;Mid;North;Pen;Red;Ross;
Ship;Stan;Thorn;Wake;West;Wood;Brom;Carl;Dun;East;Elm;Farn;Fox;Glad;Hamp;Hether;Holl;Kent;Lind;Mar;
Mel;Mor;Nor;Oak;Rad;Rush;Sel;South;Stock;Sut;Tal;Wal;War;Wel;Win;Ather;Bar;Birch;Brent;Bur;Cran;
Dart;Dray;Fen;Fuller;Gar;Gos;Hal;Haver;Hol;Law;Lock;Marl;Nash;Pack;Pick;Rain;Ridg;Sand;Sher;Stan;
Swin;Tat;Thurl;Wex
";

const EN_SUFFIXES: &str = "
ford;ley;ton;wood;worth;field;well;by;ham;more;wick;stone;bridge;cliffe;hurst;son;er;ing;combe;dale;
den;land;lock;mere;sby;shaw;stead;thorpe;ridge;croft
";

const IT_FEMALE: &str = "
Maria;Giulia;Francesca|Fra,Franci;Chiara;Sara;Anna;Laura;Valentina|Vale;Alessandra|Ale,Sandra;Elena;
Federica|Fede;Silvia;Martina;Paola;Roberta;Elisa;Giorgia;Sofia;Aurora;Alice;Beatrice|Bea;Ginevra;
Ludovica|Ludo;Vittoria;Camilla;Emma;Greta;Matilde;Arianna;Benedetta;Caterina|Cate;Cristina;Daniela;
Eleonora|Ele;Gabriella|Gabri;Giovanna|Gianna;Giuseppina|Pina,Peppina;Lucia;Margherita|Rita;Monica;
Patrizia;Raffaella|Lella;Rosa;Serena;Simona;Stefania;Teresa;Angela;Antonella;Barbara;Carla;
Donatella;Elisabetta|Betta;Ilaria;Irene;Lorenza;Marta;Noemi;Ornella;Veronica;Nicoletta;Fabiola;Gaia;
Michela;Giada;Rebecca;Bianca;Carlotta;Costanza;Letizia;Maddalena;Ottavia;Tiziana
";

const IT_MALE: &str = "
Giuseppe|Beppe,Peppe,Pino;Giovanni|Gianni,Nanni;Antonio|Tonino,Totò;Francesco|Franco,Checco;Mario;
Luigi|Gigi;Alessandro|Sandro,Ale;Andrea;Marco;Luca;Matteo;Lorenzo|Renzo;Leonardo|Leo;Riccardo|Ricky;
Davide;Simone;Federico|Fede;Stefano|Ste;Paolo;Roberto|Berto,Roby;Massimo|Max;Massimiliano|Max;Fabio;
Vincenzo|Enzo;Salvatore|Totò,Turi;Domenico|Mimmo;Carlo;Pietro;Filippo|Pippo;Giorgio;Emanuele|Manu;
Tommaso|Tommy;Gabriele|Lele;Edoardo|Edo;Nicola;Claudio;Daniele;Maurizio;Sergio;Raffaele|Lello;
Alberto;Enrico|Chicco;Gianluca;Gianmarco;Pierluigi;Ottavio;Cesare;Umberto;Vittorio;Guido;Diego;
Michele;Bruno;Emilio;Angelo;Alessio;Ludovico;Niccolò;Ruggero;Tancredi;Giacomo|Giaco;Jacopo
";

const IT_SURNAMES: &str = "
Rossi;Russo;Ferrari;Esposito;Bianchi;Romano;Colombo;Ricci;Marino;Greco;Bruno;Gallo;Conti;De Luca;
Mancini;Costa;Giordano;Rizzo;Lombardi;Moretti;Barbieri;Fontana;Santoro;Mariani;Rinaldi;Caruso;
Ferrara;Galli;Martini;Leone;Longo;Gentile;Martinelli;Vitale;Lombardo;Serra;Coppola;De Santis;
D'Angelo;Marchetti;Parisi;Villa;Conte;Ferraro;Ferri;Fabbri;Bianco;Marini;Grasso;Valentini;Messina;
Sala;De Angelis;Gatti;Pellegrini;Palumbo;Sanna;Farina;Rizzi;Monti;Cattaneo;Morelli;Amato;Silvestri;
Mazza;Testa;Grassi;Pellegrino;Carbone;Giuliani;Benedetti;Barone;Rossetti;Caputo;Montanari;Guerra;
Palmieri;Bernardi;Martino;Fiore;De Rosa;Ferretti;Bellini;Basile;Riva;Donati;Piras;Vitali;Battaglia;
Sartori;Neri;Costantini;Milani;Pagano;Ruggiero;Sorrentino;D'Amico;Orlando;Damico;Negri;Visconti;
Borromeo;Agnelli;Zegna;Marzotto
";

const IT_ROOTS: &str = "
Bell;Bianc;Ross;Mar;Gall;Ferr;Fontan;Lomb;Mor;Pell;Ricc;Santor;Vill;Cont;Cost;Gatt;Grec;Leon;Mancin;
Marc;Orl;Pac;Pagan;Bart;Bened;Berton;Bon;Brun;Cald;Camp;Canal;Capp;Cas;Castell;Cerr;Cocc;Col;Corr;
Cresp;Dall;Fabr;Fall;Ferl;Forn;Franc;Gald;Gasp;Ghir;Giann;Grim;Guid;Lanz;Lucc;Magn;Malag;Mont;Nard;
Negr;Orsin;Pant;Parr;Piccol;Pir;Pozz;Rab;Ran;Rigon;Rom;Sacc;Salv;Sart;Scarp;Serv;Spin;Tagl;Tomm;
Torr;Vac;Vald;Ventur;Zan;Zamb
";

const IT_SUFFIXES: &str = "
ini;etti;elli;one;ucci;ato;ardi;otti;ano;ese;ello;ari;azzi;esi;oni;uzzi;acci;ieri;aldi;ella;i;o;
etto;ucchi;ola;asso;igni;izzi
";

const DE_FEMALE: &str = "
Anna;Maria;Sabine;Petra;Claudia;Susanne|Susi;Andrea;Stefanie|Steffi;Katharina|Kathi,Katja;Julia;Laura;
Lena;Lea;Hannah;Sophie;Lisa;Johanna|Hanna;Elisabeth|Lisa,Sisi;Christina|Tina;Nicole;Birgit;Monika;
Ursula|Uschi;Gabriele|Gabi;Karin;Heike;Anja;Melanie;Franziska|Franzi;Charlotte|Lotte;Luise;Clara;
Greta;Emilia;Mia;Marie;Leonie;Jana;Sarah;Barbara|Babsi;Margarete|Grete;Ingrid;Renate;Ute;Jutta;
Annika;Carolin|Caro;Helene;Magdalena|Lena;Theresa|Resi;Veronika|Vroni
";

const DE_MALE: &str = "
Thomas;Michael;Andreas;Stefan;Christian|Chris;Peter;Markus;Frank;Klaus;Jürgen;Wolfgang|Wolf;
Alexander|Alex;Maximilian|Max;Johannes|Hannes;Friedrich|Fritz;Lukas;Jonas;Leon;Felix;Paul;Elias;Finn;
Noah;Ben;Tobias|Tobi;Florian|Flo;Sebastian|Basti;Matthias;Daniel;Philipp;Jan;Tim;Niklas;Moritz;
Konstantin;Benedikt;Ludwig|Lutz;Dieter;Helmut;Uwe;Rainer;Günter;Karl;Heinrich|Heinz;Georg;
Manfred|Manni;Joachim|Jochen;Bernhard|Bernd;Ferdinand|Ferdi;Leopold|Poldi
";

const DE_SURNAMES: &str = "
Müller;Schmidt;Schneider;Fischer;Weber;Meyer;Wagner;Becker;Schulz;Hoffmann;Schäfer;Koch;Bauer;Richter;
Klein;Wolf;Schröder;Neumann;Schwarz;Zimmermann;Braun;Krüger;Hofmann;Hartmann;Lange;Schmitt;Werner;
Schmitz;Krause;Meier;Lehmann;Schmid;Schulze;Maier;Köhler;Herrmann;König;Walter;Mayer;Huber;Kaiser;
Fuchs;Peters;Lang;Scholz;Möller;Weiß;Jung;Hahn;Schubert;Vogel;Friedrich;Keller;Günther;Frank;Berger;
Winkler;Roth;Beck;Lorenz;Baumann;Franke;Albrecht;Schuster;Simon;Ludwig;Böhm;Winter;Kraus;Martin;
Schumacher;Krämer;Vogt;Stein;Jäger;Otto;Sommer;Groß;Seidel;Heinrich;Brandt;Haas;von Bülow;
von Thurn;zu Hohenlohe
";

const DE_ROOTS: &str = "
Ober;Unter;Alt;Neu;Groß;Klein;Wald;Berg;Stein;Feld;Brunn;Linden;Eich;Rosen;Bach;Hoch;Schwarz;Weiß;
Roth;Grün;Sonnen;Heim;Kirch;Mühl;Hof;Lang;Kurz;Eber;Frei;Gold;Hart;Horn;Kalt;Lich;Mark;Rein;Sand;
Stern;Tann;Wies
";

const DE_SUFFIXES: &str = "
mann;berger;bauer;meier;müller;hofer;huber;stein;feld;bach;thal;dorf;hausen;ler;ner;inger;wald;
brunner;schmidt;baum;reiter;maier;eder;wieser
";

const JA_FEMALE: &str = "
Yuki|Yūki,Yuuki;Yuko|Yūko,Yuuko;Yoko|Yōko,Youko;Keiko;Akiko;Tomoko;Naoko;Kyoko|Kyōko,Kyouko;Michiko;
Sachiko;Mayumi;Megumi;Ayumi;Haruka;Aoi;Yui;Sakura;Hina;Misaki;Nanami;Mei;Rin;Emi;Kaori;Mika;Eri;Yumi;
Ai;Asuka;Natsuki;Miyu;Saki;Honoka;Mio;Riko;Yuna|Yūna,Yuuna;Koharu;Shiori;Chihiro;Ayaka;Hitomi;Junko;
Mariko;Noriko;Reiko;Ryoko|Ryōko,Ryouko;Shoko|Shōko,Shouko;Kumiko;Yuka|Yūka,Yuuka;Momoko;Chiaki;Fumiko
";

const JA_MALE: &str = "
Hiroshi;Takashi;Kenji;Koji|Kōji,Kouji,Kohji;Shota|Shōta,Shouta,Shohta;Yuto|Yūto,Yuuto;Sota|Sōta,Souta;
Haruto;Ren;Daisuke;Kazuki;Takumi;Kaito;Ryo|Ryō,Ryou,Ryoh;Yusuke|Yūsuke,Yuusuke;Kenta;Naoki;Shun;
Taro|Tarō,Tarou,Taroh;Ichiro|Ichirō,Ichirou;Jiro|Jirō,Jirou;Junichi|Jun'ichi,Jun-ichi;Shinya|Shin'ya;
Makoto;Satoshi;Tetsuya;Hideki;Masato;Yoshiro|Yoshirō,Yoshirou;Kazuo;Akira;Toshiro|Toshirō,Toshirou;
Yuji|Yūji,Yuuji;Shohei|Shōhei,Shouhei;Riku;Sora;Hayato;Kosuke|Kōsuke,Kousuke;Ryota|Ryōta,Ryouta;
Takuya;Tomoya;Yuma|Yūma,Yuuma;Kei;Shinji;Masahiro;Noboru;Osamu
";

const JA_SURNAMES: &str = "
Sato|Satō,Satou,Satoh;Suzuki;Takahashi;Tanaka;Watanabe;Ito|Itō,Itou,Itoh;Yamamoto;Nakamura;Kobayashi;
Kato|Katō,Katou,Katoh;Yoshida;Yamada;Sasaki;Yamaguchi;Saito|Saitō,Saitou,Saitoh;Matsumoto;Inoue;Kimura;
Hayashi;Shimizu;Yamazaki|Yamasaki;Mori;Abe;Ikeda;Hashimoto;Yamashita;Ishikawa;Nakajima|Nakashima;
Maeda;Fujita;Ogawa;Goto|Gotō,Gotou,Gotoh;Okada;Hasegawa;Murakami;Kondo|Kondō,Kondou,Kondoh;Ishii;
Sakamoto;Endo|Endō,Endou,Endoh;Aoki;Fujii;Nishimura;Fukuda;Ota|Ōta,Oota,Ohta;Miura;Fujiwara;Okamoto;
Matsuda;Nakagawa;Nakano;Harada;Ono|Ōno,Oono,Ohno;Tamura;Takeuchi;Kaneko;Wada;Nakayama;Ishida;Ueda;
Morita;Hara;Shibata;Sakai;Kudo|Kudō,Kudou,Kudoh;Yokoyama;Miyazaki;Miyamoto;Uchida;Takagi;
Ando|Andō,Andou,Andoh;Taniguchi;Maruyama;Imai;Takada;Fujimoto;Murata;Takeda;Ueno;Sugiyama;Masuda;
Sugawara;Hirano;Otsuka|Ōtsuka,Ootsuka,Ohtsuka;Kojima;Chiba;Kubo;Matsui;Iwasaki;Sakurai;Kinoshita;
Noguchi;Matsuo;Kikuchi;Nomura;Arai;Oshima|Ōshima,Ooshima,Ohshima;Kono|Kōno,Kouno,Kohno
";

const JA_ROOTS: &str = "
Yama;Naka;Ishi;Matsu;Ike;Hashi;Fuji;Mori;Taka;Hira;Kawa;Nishi;Higashi;Kita;Minami;Oka;Hoshi;Kuro;
Shira;Aka;Ao;Miya;Sugi;Kami;Shimo;Tsuchi;Kane;Iwa;Sakura;Kiku;Take;Uchi;Yoshi;Kuma;Hata;Tsuru;
Ichi;Ara;Asa;Chika;Ebi;Fuku;Furu;Hama;Hoso;Ino;Kado;Kashi;Kiri;Koba;Kuri;Maru;Mizu;Naga;Ogi;Saka;
Sawa;Shiba;Tachi;Tomi;Ume;Wata;Yoko;Yone;Kaji;Toku;Mura;Nomi;Oku;Sone
";

const JA_SUFFIXES: &str = "
moto;mura;da;kawa;yama;shita;uchi;saki;no;hara;guchi;zaki;oka;be;ta;ki;sawa;tani;shima;jima;bayashi;
hashi;mori;i;numa;ishi
";

const JA_ALIASES_F: &str = "Kate;Lisa;Amy;Jane;Mary;Emily";
const JA_ALIASES_M: &str = "Ken;Mike;Tom;Ray;Jay;Leo";

const KO_SURNAMES: &str = "
Kim*214;Lee*147|Yi,Rhee,Ri;Park*84|Pak,Bak;Choi*47|Choe,Chey;Jung*44|Jeong,Chung;Kang*23|Gang;
Cho*21|Jo;Yoon*20|Yun;Jang*19|Chang;Lim*17|Im,Rim;Han*15;Oh*15|O;Seo*14|Suh;Shin*14|Sin;Kwon*14|Gwon;
Hwang*13;Ahn*13|An;Song*13;Yoo*12|Yu,Ryu;Hong*11;Jeon*11|Jun,Chun;Ko*9|Go,Koh;Moon*9|Mun;Yang*9;
Son*9|Sohn;Bae*8|Bai;Baek*8|Paik,Paek;Heo*7|Huh,Hur;Noh*7|Roh,No;Nam*6;Shim*5|Sim;Ha*5;Kwak*4|Gwak;
Sung*4|Seong;Cha*4;Joo*4|Ju,Chu;Woo*4|U;Min*3;Ryu*3|Yoo,Yu;Na*3;Jin*3;Ji*3|Chi;Um*3|Eom;Byun*3|Byeon,Pyun
";

const KO_FEMALE_FIRST: &[&str] = &[
    "Ji", "Seo", "Min", "Su", "Ha", "Yu", "Ye", "Da", "Eun", "Hye", "Na", "Chae", "So", "Yoon",
    "Ga", "Soo", "Mi", "Hyun", "Jung", "Sun",
];
const KO_FEMALE_SECOND: &[&str] = &[
    "yeon", "woo", "eun", "jin", "young", "bin", "won", "rin", "a", "hee", "kyung", "jung", "mi",
    "seon", "hyun", "yun", "ah", "ri", "na", "seo",
];
const KO_MALE_FIRST: &[&str] = &[
    "Min", "Ji", "Seo", "Do", "Ha", "Jun", "Hyun", "Jae", "Sung", "Dong", "Young", "Tae", "Woo",
    "Sang", "Joon", "Seung", "Kyung", "Jin", "Yoon", "Chul",
];
const KO_MALE_SECOND: &[&str] = &[
    "jun", "woo", "hoon", "ho", "min", "jin", "seok", "hyun", "su", "young", "hwan", "sung", "gyu",
    "won", "bin", "jae", "hyuk", "il", "soo", "chan",
];

/// Alternative romanizations of Korean syllables (Revised Romanization vs McCune-Reischauer and
/// common passport spellings).
const KO_SYLLABLE_VARIANTS: &[(&str, &[&str])] = &[
    ("yeon", &["yun", "yon"]),
    ("young", &["yeong", "yong"]),
    ("hyun", &["hyeon"]),
    ("jung", &["jeong", "joong"]),
    ("sung", &["seong"]),
    ("seo", &["suh", "so"]),
    ("eun", &["un"]),
    ("hee", &["hui"]),
    ("hoon", &["hun"]),
    ("seok", &["suk"]),
    ("woo", &["u"]),
    ("joon", &["jun"]),
    ("kyung", &["gyeong"]),
    ("chul", &["cheol"]),
    ("seung", &["sung"]),
    ("soo", &["su"]),
];

const KO_ALIASES_F: &str =
    "Jenny;Grace;Sophie;Julia;Christine;Stella;Lucy;Hannah;Emma;Irene;Sarah;Esther;Rachel;Jane;Amy";
const KO_ALIASES_M: &str =
    "David;Daniel;John;Kevin;Brian;Jason;Andrew;Paul;Eric;Steve;James;Peter;Sam;Tony;Chris";

const AR_FEMALE: &str = "
Fatima|Fatma,Fatimah,Fatema;Aïcha|Aisha,Aicha,Ayesha;Khadija|Khadidja,Khadijah;Leila|Layla,Leïla,Laila;
Samira|Sameera;Nour|Noor,Nur;Yasmine|Yasmin,Jasmine;Meriem|Maryam,Myriam,Mariam;Salma;
Zineb|Zainab,Zeinab,Zaynab;Amina|Aminah,Aminata;Soumaya|Sumaya,Soumaia;Nadia;Sara|Sarah;Imane|Iman,Eman;
Houda|Huda;Rania;Dounia|Dunya,Donia;Malika;Karima|Kareema;Hanane|Hanan;Latifa|Latifah;Asma|Asmaa;
Hafsa;Lina;Rim|Reem;Noura|Nora;Jamila|Djamila,Jameela;Naïma|Naima,Naeema;Sanaa|Sana;Wafa;Loubna|Lubna;
Ikram;Chaïma|Chaima,Shaima;Mona|Muna;Hind;Siham;Yousra|Yusra;Yasmina;Farida|Faridah;Nabila;Souad|Suad;
Zohra|Zahra;Rachida|Rashida;Nawel|Nawal;Sabrina;Kenza;Maïssa|Maissa;Lamia;Nesrine|Nisrine;Sonia;Lila;
Sihem|Siham;Amel|Amal;Wassila;Naïla|Naila;Houria;Safia|Safiya;Anissa|Anisa;Warda;Hayat;Ghizlane;Btissam;
Ilham;Karima;Leïla;Mariam;Rym|Rim;Samia;Wafae;Zineb
";

const AR_MALE: &str = "
Mohammed|Muhammad,Mohamed,Mohammad,Mohamad,Muhammed;Ahmed|Ahmad;Mahmoud|Mahmud;
Youssef|Yusuf,Yousef,Youcef;Abdallah|Abdullah,Abdellah;Karim|Kareem;Khaled|Khalid;Omar|Umar;
Hassan|Hasan;Hussein|Hussain,Houssein,Husain;Rachid|Rashid,Rached;Saïd|Said,Saeed,Sayed;
Mustapha|Mustafa,Moustapha,Moustafa;Ali;Ibrahim|Brahim;Mehdi|Mahdi;Bilal;Hamza;Amine|Amin;Nabil;Samir;
Sofiane|Sufyan,Soufiane;Tarek|Tariq,Tarik;Walid|Waleed;Yassine|Yasin,Yacine;Zakaria|Zakariya,Zacharia;
Adel|Adil;Farid;Jamal|Djamel,Gamal;Faisal|Fayçal,Faycal;Nasser|Nasir,Naser;Sami|Samy;Anas;Ayoub|Ayub;
Idris|Driss,Idriss;Slimane|Suleiman,Soliman,Sulayman;Abderrahmane|Abdulrahman,Abdelrahman;
Othmane|Othman,Osman,Uthman;Rayan|Rayane;Majid|Majed;Salem|Salim;Hicham|Hisham;Yanis|Yannis;
Nassim|Nasim;Ilyes|Ilyas,Elias;Mounir|Munir;Redouane|Ridwan,Redwan;Kamel|Kamal;Lotfi|Lutfi;Mourad|Murad;
Fouad|Fuad;Hakim;Jawad|Jaouad;Khalil;Malik|Malek;Nordine|Noureddine,Nour-Eddine;Riad|Riyad;Zinedine;
Abdelaziz|Abdulaziz;Abdelkrim|Abdulkarim;Anouar|Anwar;Badr;Chakib|Shakib;Ghani;Hamid;Imad;Jalil;Lahcen;
Marwan|Marouane;Saad;Tariq;Wassim|Wasim;Younes|Younis,Yunus;Zakariya
";

const AR_SURNAMES: &str = "
Benali|Ben Ali;El Amrani|Elamrani,Amrani;Haddad;Khalil|Khelil;Mansour|Mansur;Nasser|Nasir;
Saleh|Salih,Salah;Al-Farsi;Al-Hashimi|El Hachimi;Bouzid;Belkacem|Belkassem,Belgacem;
Cherif|Chérif,Sharif,Shareef;Hamdi;Aziz;Rahman;Ibrahim|Brahim;Abdelkader|Abdulkader,Abdel Kader;
Benhamou;Bensaïd|Bensaid,Ben Said;Boukhari|Bukhari,Al-Bukhari;Chaoui;Mokhtar|Mukhtar;Kaddour|Kadour;
Slimani|Sleimani;Zidane|Zidan;Ouali|Wali;Hakimi;Al-Mansouri|Al Mansoori,El Mansouri;Al-Nuaimi;
Al-Qasimi|Al-Kasimi;Al-Suwaidi;Al-Shamsi;Al-Zaabi;Khoury|Khouri,El Khoury;Nassar|Nasar;Fakhoury;
Saadi|Saâdi,Al-Saadi;Tazi;Alaoui|El Alaoui;Idrissi|El Idrissi;Bennani;Berrada;Benjelloun|Ben Jelloun;
Chraibi|Chraïbi;Lahlou;Belhaj|Ben Hadj,Belhadj;Meziane;Amara;Hamidi;Djebbar|Jabbar;Brahimi;
Benyoussef|Ben Youssef;Benslimane|Ben Slimane;Boumediene|Boumedienne;Hadjadj;Kaci;Mebarki;Ziani;
Al-Hassan|Al Hasan;Al-Khalifa;Al-Rashid|Al Rasheed;Al-Otaibi|Al Otaibi;Al-Harbi;Al-Dosari|Al Dossary;
Al-Amiri|Al Ameri;Al-Marzouqi|Al Marzooqi;Al-Falasi|Al Falasi;Al-Mazrouei|Al Mazroui;Al-Ketbi;
Al-Dhaheri|Al Daheri;Al-Mheiri;Obaid;Hamad;Saeed;Rashed
";

static FR_SYLLABLES: Syllables = Syllables {
    onsets: &[
        "B", "Bl", "Br", "C", "Ch", "Cl", "D", "F", "G", "Gr", "J", "L", "M", "N", "P", "Pr", "R",
        "S", "T", "V",
    ],
    vowels: &["a", "e", "i", "o", "ou", "au", "ai", "eu"],
    codas: &[
        "", "l", "r", "n", "s", "ss", "t", "rd", "ch", "ll", "nn", "m", "c", "rm",
    ],
};

static EN_SYLLABLES: Syllables = Syllables {
    onsets: &[
        "B", "Br", "Ch", "D", "F", "G", "H", "K", "L", "M", "N", "P", "R", "S", "St", "T", "W",
        "Wh",
    ],
    vowels: &["a", "e", "i", "o"],
    codas: &["", "n", "r", "l", "ll", "st", "ck", "rn", "nd", "m"],
};

static IT_SYLLABLES: Syllables = Syllables {
    onsets: &[
        "B", "C", "D", "F", "G", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "Br", "Gr", "Tr",
        "Sp", "Fr", "Ch",
    ],
    vowels: &["a", "e", "i", "o", "u"],
    codas: &[
        "", "l", "ll", "r", "n", "nn", "s", "ss", "t", "tt", "cc", "zz", "nt", "rd",
    ],
};

static DE_SYLLABLES: Syllables = Syllables {
    onsets: &[
        "B", "Br", "D", "F", "Fr", "G", "Gr", "H", "K", "Kr", "L", "M", "N", "R", "S", "Sch", "St",
        "T", "W",
    ],
    vowels: &["a", "e", "i", "o", "u", "ei", "au", "ü", "ö"],
    codas: &[
        "", "l", "ll", "n", "r", "rn", "ck", "nd", "ng", "rt", "tz", "ch",
    ],
};

const JA_GIVEN_FEMALE_FIRST: &[&str] = &[
    "Yu", "Mi", "Sa", "A", "Ha", "Na", "Ma", "Chi", "Ka", "Ri", "E", "Mo", "Hi", "Ko", "Ai", "Kyo",
    "To", "No", "Ki", "Fu", "Ya", "Shi", "Ta", "Mai", "Rei", "Sho", "Mayu", "Hana", "Aki", "Natsu",
];
const JA_GIVEN_FEMALE_END: &[&str] = &[
    "ko", "ka", "mi", "na", "e", "ri", "ho", "no", "ki", "ne", "yo", "sa", "ha", "yu",
];
const JA_GIVEN_MALE_FIRST: &[&str] = &[
    "Hiro", "Taka", "Kazu", "Yoshi", "Masa", "Nobu", "Toshi", "Shin", "Ken", "Dai", "Yu", "Ryo",
    "Ko", "Sho", "Tetsu", "Haru", "Aki", "Tomo", "Nao", "Tatsu", "Mitsu", "Hide", "Kei", "Jun",
    "Tsuyo", "Sei", "Tada", "Yasu", "Fumi", "Kuni",
];
const JA_GIVEN_MALE_END: &[&str] = &[
    "shi", "ki", "to", "ya", "ta", "hiro", "o", "ji", "suke", "kazu", "hei", "ma", "nori", "yuki",
    "hiko",
];

const AR_STEMS: &str = "
Youssef;Ahmed;Hassan;Karim;Said;Sliman;Idriss;Mansour;Hachem;Amrane;Tahar;Kader;Aziz;Hamid;Rahim;
Salem;Nasser;Rachid;Malek;Jelloun;Kirane;Chakir;Lahcen;Moussa;Brahim;Yahia;Zaki;Fares;Habib;Jaber;
Khalfa;Lamine;Mokrane;Omar;Raouf;Sadek;Tayeb;Wahab;Yacoub;Zouhair;Amar;Bakr;Daoud;Fadel;Ghali;Hadj;
Issa;Kamel;Lakhdar;Madani;Nadir;Rabah;Saadi;Touati;Ziane;Aissa;Belaid;Chaib;Djaffar;Ferhat;Guendouz;
Hamou;Kaci;Larbi;Meziane;Nacer;Ouali;Rezki;Sahnoun;Taleb;Yousfi;Zerrouk;Allal;Bachir;Chaouch;Dahmane;
Embarek;Guerroudj;Haddou;Jabri;Kettani;Lazrak;Mahfoud;Nouri;Qadir;Rifai;Sebti;Tounsi
";

const AR_ATTRIBUTES: &str = "Kader;Aziz;Hamid;Rahim;Malek;Wahab;Raouf;Nacer;Ghani;Jalil;Karim;Latif;Hakim;Halim;Majid;Salam;Hafid;Moumen";

const AR_GULF: &str = "
Rashid;Mansouri;Hashimi;Nuaimi;Qasimi;Suwaidi;Shamsi;Zaabi;Marzouqi;Falasi;Mazroui;Ketbi;Dhaheri;
Mheiri;Otaibi;Harbi;Dosari;Amiri;Hammadi;Kaabi;Balushi;Naqbi;Shehhi;Tunaiji;Hosani;Jaberi;Yafei;
Romaithi;Blooshi;Muhairi;Qubaisi;Mehairbi;Neyadi;Khoori;Ali;Sayegh;Hajeri;Mulla;Ghafli;Darmaki
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_culture_draws_names() {
        let mut rng = Rng::new(3);
        for culture in [
            Culture::French,
            Culture::English,
            Culture::Italian,
            Culture::German,
            Culture::Japanese,
            Culture::Korean,
            Culture::Arabic,
        ] {
            for female in [true, false] {
                let (given, _) = given_name(&mut rng, culture, female);
                let (family, _) = surname(&mut rng, culture);
                assert!(!given.is_empty() && !family.is_empty(), "{culture:?}");
            }
        }
    }

    #[test]
    fn variants_are_found() {
        let fr = culture_names(Culture::French);
        assert!(fr.female.iter().any(|e| e.name == "Hélène"));
        let jean = fr.male.iter().position(|e| e.name == "Jean").expect("Jean");
        assert_eq!(
            nicknames(Culture::French, false, GivenRef::Listed(jean as u16)),
            &["Jeannot"]
        );
        let ja = culture_names(Culture::Japanese);
        let sato = ja
            .surnames
            .iter()
            .position(|e| e.name == "Sato")
            .expect("Sato");
        let variants =
            surname_romanizations(Culture::Japanese, SurnameRef::Listed(sato as u16), "Sato");
        assert!(variants.contains(&"Satou".to_string()));
        let ko = culture_names(Culture::Korean);
        let lee = ko
            .surnames
            .iter()
            .position(|e| e.name == "Lee")
            .expect("Lee");
        assert!(
            surname_romanizations(Culture::Korean, SurnameRef::Listed(lee as u16), "Lee")
                .contains(&"Rhee".to_string())
        );
        let ji_woo = given_romanizations(Culture::Korean, true, GivenRef::Korean(0, 1), "Ji-woo");
        assert!(ji_woo.contains(&"Jiwoo".to_string()), "{ji_woo:?}");
        assert!(ji_woo.contains(&"Ji-u".to_string()), "{ji_woo:?}");
        assert_eq!(accented_form("Zoe"), Some("Zoé"));
    }
}
