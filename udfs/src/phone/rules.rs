//! libphonenumber metadata compiled once per region, for lock-free matching.
//!
//! The `phonenumber` crate keeps every metadata regex in one process-wide LRU cache of 100
//! entries behind a mutex: each match takes that lock (so parsing on several cores serializes)
//! and patterns evicted from the cache are compiled again. Here each region's patterns are
//! compiled on first use from the same metadata strings with the same flags, and the crate's
//! rules are applied to them: national prefix stripping, length checks, which region of a shared
//! calling code a number belongs to, its type. The tests of `parse.rs` check that the results
//! equal the crate's.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use datafusion::functions::regex::compile_regex;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};

/// The type of a valid number, as libphonenumber classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhoneType {
    FixedLine,
    Mobile,
    /// Regions such as the US where the number itself does not tell fixed lines from mobiles.
    FixedLineOrMobile,
    TollFree,
    PremiumRate,
    SharedCost,
    PersonalNumber,
    Voip,
    Pager,
    /// "Universal access" (company) numbers.
    Uan,
    Voicemail,
}

impl PhoneType {
    /// The lowercase word `phone_type` returns.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FixedLine => "fixed_line",
            Self::Mobile => "mobile",
            Self::FixedLineOrMobile => "fixed_line_or_mobile",
            Self::TollFree => "toll_free",
            Self::PremiumRate => "premium_rate",
            Self::SharedCost => "shared_cost",
            Self::PersonalNumber => "personal_number",
            Self::Voip => "voip",
            Self::Pager => "pager",
            Self::Uan => "uan",
            Self::Voicemail => "voicemail",
        }
    }
}

type Matcher<T> = Box<dyn Fn(&str) -> T + Send + Sync>;

/// Compiles a metadata pattern anchored at the start, with the crate's flag
/// (`ignore_whitespace`). The crate keeps a match only when it starts at offset 0, and the
/// leftmost-first match starting at 0 is the same with or without the anchor. The newline ends
/// a verbose-mode comment, should a pattern ever end with one.
///
/// `regex` is not a direct dependency of this crate: DataFusion's helper compiles the pattern,
/// and the callers keep the `Regex` inside closures.
macro_rules! compile_anchored {
    ($source:expr) => {
        compile_regex(&format!("^(?:{}\n)", $source), Some("x")).ok()
    };
}

/// A metadata pattern matched at the start of a digit string.
struct Pattern {
    is_match: Matcher<bool>,
    /// End of the leftmost-first match starting at 0.
    match_end: Matcher<Option<usize>>,
}

impl Pattern {
    fn compile(source: &str) -> Option<Self> {
        let regex = compile_anchored!(source)?;
        let for_end = regex.clone();
        Some(Self {
            is_match: Box::new(move |s| regex.is_match(s)),
            match_end: Box::new(move |s| for_end.find(s).map(|m| m.end())),
        })
    }
}

/// A match of `national_prefix_for_parsing` at the start of a national number.
pub(super) struct PrefixMatch {
    pub(super) end: usize,
    /// The number rewritten by the transform rule, when there is one and the pattern's last
    /// group (the whole match when it has none) took part. Otherwise the crate strips the match.
    pub(super) transformed: Option<String>,
}

/// A number type's pattern and possible lengths.
struct TypeRule {
    lengths: Vec<u16>,
    pattern: Pattern,
}

impl TypeRule {
    fn compile(descriptor: &Descriptor) -> Option<Self> {
        Some(Self {
            lengths: descriptor.possible_length().to_vec(),
            pattern: Pattern::compile(descriptor.national_number().as_str())?,
        })
    }

    fn compile_opt(descriptor: Option<&Descriptor>) -> Option<Option<Self>> {
        descriptor.map(Self::compile).transpose_all()
    }

    /// The crate's `Descriptor::is_match`: a possible length (when lengths are listed), then
    /// the pattern.
    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && (self.pattern.is_match)(national)
    }
}

/// `Option<Option<T>>` from `Option<Option<T>>` where the inner `None` means "failed": a
/// missing descriptor is fine, a descriptor that does not compile is not.
trait TransposeAll<T> {
    fn transpose_all(self) -> Option<Option<T>>;
}

impl<T> TransposeAll<T> for Option<Option<T>> {
    fn transpose_all(self) -> Option<Option<T>> {
        match self {
            None => Some(None),
            Some(None) => None,
            Some(Some(t)) => Some(Some(t)),
        }
    }
}

/// How a national number's length compares with the region's (the crate's `Validation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Length {
    Possible,
    PossibleLocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// One region's metadata, compiled.
pub(super) struct RegionRules {
    /// ISO 3166 alpha-2 code, or "001" for non-geographic calling codes.
    pub(super) id: &'static str,
    pub(super) country_code: u16,
    pub(super) country_code_digits: String,
    pub(super) national_prefix: Option<&'static str>,
    international_prefix: Option<Pattern>,
    prefix_for_parsing: Option<Matcher<Option<PrefixMatch>>>,
    leading_digits: Option<Pattern>,
    general: TypeRule,
    general_local_lengths: Vec<u16>,
    /// The general pattern matching a whole number (not only its start).
    general_entire: Pattern,
    /// The longest number of any type.
    max_length: Option<u16>,
    /// Types checked before fixed line and mobile, in the crate's order.
    special: Vec<(PhoneType, TypeRule)>,
    /// Matches when one of the `special` patterns may match (lengths aside): most numbers are
    /// fixed lines or mobiles, and one regex run rules the special types out.
    special_prefilter: Option<Pattern>,
    fixed_line: Option<TypeRule>,
    mobile: Option<TypeRule>,
    fixed_line_pattern_is_mobile_pattern: bool,
}

impl RegionRules {
    fn compile(meta: &'static Metadata) -> Option<Self> {
        let d = meta.descriptors();
        let mut special = Vec::new();
        let mut special_sources = Vec::new();
        let mut special_descriptors = Vec::new();
        for (kind, descriptor) in [
            (PhoneType::PremiumRate, d.premium_rate()),
            (PhoneType::TollFree, d.toll_free()),
            (PhoneType::SharedCost, d.shared_cost()),
            (PhoneType::Voip, d.voip()),
            (PhoneType::PersonalNumber, d.personal_number()),
            (PhoneType::Pager, d.pager()),
            (PhoneType::Uan, d.uan()),
            (PhoneType::Voicemail, d.voicemail()),
        ] {
            if let Some(descriptor) = descriptor {
                special.push((kind, TypeRule::compile(descriptor)?));
                special_sources.push(format!("(?:{}\n)", descriptor.national_number().as_str()));
                special_descriptors.push(descriptor);
            }
        }
        let special_prefilter = match special_sources.is_empty() {
            true => None,
            false => Some(Pattern::compile(&special_sources.join("|"))?),
        };
        let transform: Option<&'static str> = meta.national_prefix_transform_rule();
        let prefix_for_parsing = match meta.national_prefix_for_parsing() {
            None => None,
            Some(p) => {
                let regex = compile_anchored!(p.as_str())?;
                let run: Matcher<Option<PrefixMatch>> = Box::new(move |s| {
                    let captures = regex.captures(s)?;
                    let end = captures.get(0)?.end();
                    let last_group_matched = captures.get(captures.len() - 1).is_some();
                    let transformed = match &transform {
                        Some(rule) if last_group_matched => {
                            Some(regex.replace(s, *rule).into_owned())
                        }
                        _ => None,
                    };
                    Some(PrefixMatch { end, transformed })
                });
                Some(run)
            }
        };
        let general_source = d.general().national_number().as_str();
        let max_length = [d.fixed_line(), d.mobile()]
            .into_iter()
            .flatten()
            .chain(special_descriptors)
            .flat_map(|descriptor| descriptor.possible_length().iter().copied())
            .max();
        Some(Self {
            id: meta.id(),
            country_code: meta.country_code(),
            country_code_digits: meta.country_code().to_string(),
            national_prefix: meta.national_prefix(),
            international_prefix: meta
                .international_prefix()
                .map(|p| Pattern::compile(p.as_str()))
                .transpose_all()?,
            prefix_for_parsing,
            leading_digits: meta
                .leading_digits()
                .map(|p| Pattern::compile(p.as_str()))
                .transpose_all()?,
            general: TypeRule::compile(d.general())?,
            general_local_lengths: d.general().possible_local_length().to_vec(),
            general_entire: Pattern::compile(&format!("(?:{general_source}\n)$"))?,
            max_length,
            special,
            special_prefilter,
            fixed_line: TypeRule::compile_opt(d.fixed_line())?,
            mobile: TypeRule::compile_opt(d.mobile())?,
            fixed_line_pattern_is_mobile_pattern: d
                .fixed_line()
                .map(|f| f.national_number().as_str())
                == d.mobile().map(|m| m.national_number().as_str()),
        })
    }

    /// End of the region's international dialling prefix (IDD, "00" in most of the world) at
    /// the start of `digits`.
    pub(super) fn international_prefix_end(&self, digits: &str) -> Option<usize> {
        (self.international_prefix.as_ref()?.match_end)(digits)
    }

    /// `national_prefix_for_parsing` (with its transform rule) at the start of `national`.
    pub(super) fn prefix_for_parsing(&self, national: &str) -> Option<Option<PrefixMatch>> {
        self.prefix_for_parsing.as_ref().map(|run| run(national))
    }

    /// Does `national` match the region's general pattern?
    pub(super) fn matches_general(&self, national: &str) -> bool {
        self.general.matches(national)
    }

    /// Does the whole of `national` match the region's general pattern (libphonenumber's
    /// `matchNationalNumber`)?
    pub(super) fn matches_general_entirely(&self, national: &str) -> bool {
        (self.general_entire.is_match)(national)
    }

    /// Is a national number of `len` digits longer than any number of the region?
    pub(super) fn is_too_long(&self, len: usize) -> bool {
        self.max_length.is_some_and(|max| len > usize::from(max))
    }

    /// The crate's `length(meta, number, Unknown)`, quirks included: the general descriptor's
    /// possible lengths, checked in this order.
    pub(super) fn length(&self, len: usize) -> Length {
        let possible = &self.general.lengths;
        let (Some(&min), Some(&max)) = (possible.first(), possible.last()) else {
            return Length::Invalid;
        };
        let len = len as u16;
        if self.general_local_lengths.contains(&len) {
            Length::PossibleLocalOnly
        } else if len == min {
            Length::Possible
        } else if len < min {
            Length::TooShort
        } else if len > max {
            Length::TooLong
        } else if possible.contains(&len) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// The type of `national` in this region (the crate's `number_type`), `None` when it is no
    /// valid number of the region.
    pub(super) fn number_type(&self, national: &str) -> Option<PhoneType> {
        if !self.general.matches(national) {
            return None;
        }
        let may_be_special = self
            .special_prefilter
            .as_ref()
            .is_some_and(|p| (p.is_match)(national));
        if may_be_special
            && let Some((kind, _)) = self.special.iter().find(|(_, r)| r.matches(national))
        {
            return Some(*kind);
        }
        let is_mobile = |n: &str| self.mobile.as_ref().is_some_and(|m| m.matches(n));
        if self
            .fixed_line
            .as_ref()
            .is_some_and(|f| f.matches(national))
        {
            if self.fixed_line_pattern_is_mobile_pattern || is_mobile(national) {
                return Some(PhoneType::FixedLineOrMobile);
            }
            return Some(PhoneType::FixedLine);
        }
        is_mobile(national).then_some(PhoneType::Mobile)
    }
}

/// Every region of the metadata, compiled on first use.
struct Registry {
    metadata: Vec<&'static Metadata>,
    compiled: Vec<OnceLock<Option<RegionRules>>>,
    by_iso: HashMap<[u8; 2], usize>,
    /// Regions of each calling code (index = code), the main region first, as the crate
    /// orders them.
    by_code: Vec<Vec<usize>>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    // Walk the calling codes rather than the ids: the entries of the non-geographic codes all
    // have the id "001", and only one of them is reachable by id. A code's regions come in the
    // crate's order, the main region first.
    let mut metadata: Vec<&'static Metadata> = Vec::new();
    let mut index_of: HashMap<*const Metadata, usize> = HashMap::new();
    let mut by_code = vec![Vec::new(); 1000];
    for (code, regions) in (0u16..).zip(by_code.iter_mut()) {
        for meta in DATABASE.by_code(&code).unwrap_or_default() {
            let index = *index_of.entry(meta as *const Metadata).or_insert_with(|| {
                metadata.push(meta);
                metadata.len() - 1
            });
            regions.push(index);
        }
    }
    let by_iso = metadata
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m.id().as_bytes() {
            &[a, b] => Some(([a, b], i)),
            _ => None,
        })
        .collect();
    Registry {
        compiled: metadata.iter().map(|_| OnceLock::new()).collect(),
        metadata,
        by_iso,
        by_code,
    }
});

/// A region, as an index into the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RegionId(usize);

impl RegionId {
    /// The region of an ISO 3166 alpha-2 code, in any case.
    pub(super) fn from_iso(code: &str) -> Option<Self> {
        match code.as_bytes() {
            &[a, b] => REGISTRY
                .by_iso
                .get(&[a.to_ascii_uppercase(), b.to_ascii_uppercase()])
                .map(|&i| Self(i)),
            _ => None,
        }
    }

    /// The compiled rules, `None` if a pattern of the region does not compile (the tests check
    /// that none fails).
    pub(super) fn rules(self) -> Option<&'static RegionRules> {
        let registry: &'static Registry = &REGISTRY;
        registry.compiled[self.0]
            .get_or_init(|| RegionRules::compile(registry.metadata[self.0]))
            .as_ref()
    }
}

/// Regions of a calling code, the main one first.
pub(super) fn regions_of_code(code: u16) -> impl Iterator<Item = RegionId> {
    REGISTRY
        .by_code
        .get(usize::from(code))
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|&i| RegionId(i))
}

/// Is `code` a calling code of the metadata?
pub(super) fn is_calling_code(code: u16) -> bool {
    regions_of_code(code).next().is_some()
}

/// The region a national number belongs to (the crate's `source_for`): the only region of its
/// calling code, else the first whose leading digits match or, for regions without leading
/// digits, of which it is a valid number.
pub(super) fn region_of_number(code: u16, national: &str) -> Option<&'static RegionRules> {
    let mut regions = regions_of_code(code).peekable();
    let first = regions.next()?;
    if regions.peek().is_none() {
        return first.rules();
    }
    for region in std::iter::once(first).chain(regions) {
        let rules = region.rules()?;
        let belongs = match &rules.leading_digits {
            Some(leading) => (leading.is_match)(national),
            None => rules.number_type(national).is_some(),
        };
        if belongs {
            return Some(rules);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_compiles() {
        // 245 regions and the non-geographic codes.
        assert!(REGISTRY.metadata.len() > 250, "{}", REGISTRY.metadata.len());
        for i in 0..REGISTRY.metadata.len() {
            assert!(
                RegionId(i).rules().is_some(),
                "{}",
                REGISTRY.metadata[i].id()
            );
        }
    }

    #[test]
    fn iso_codes_in_any_case() {
        let fr = RegionId::from_iso("fr").and_then(RegionId::rules);
        assert_eq!(fr.map(|r| (r.id, r.country_code)), Some(("FR", 33)));
        assert!(RegionId::from_iso("Gb").is_some());
        for unknown in ["", "F", "FRA", "XX", "001", "é"] {
            assert_eq!(RegionId::from_iso(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn shared_calling_codes_pick_the_right_region() {
        let region = |code, national| region_of_number(code, national).map(|r| r.id);
        assert_eq!(region(1, "2125550100"), Some("US"));
        assert_eq!(region(1, "4165550100"), Some("CA"));
        assert_eq!(region(44, "2079460958"), Some("GB"));
        // 07911 is a Guernsey mobile range (libphonenumber's GG metadata).
        assert_eq!(region(44, "7911123456"), Some("GG"));
        assert_eq!(region(33, "612345678"), Some("FR"));
        assert_eq!(region(800, "12345678"), Some("001"));
        assert_eq!(region(999, "12345678"), None);
    }

    #[test]
    fn number_types() {
        let fr = RegionId::from_iso("FR").and_then(RegionId::rules);
        let kind = |n| fr.and_then(|r| r.number_type(n));
        assert_eq!(kind("612345678"), Some(PhoneType::Mobile));
        assert_eq!(kind("142685300"), Some(PhoneType::FixedLine));
        assert_eq!(kind("800123456"), Some(PhoneType::TollFree));
        assert_eq!(kind("12"), None);
    }
}
