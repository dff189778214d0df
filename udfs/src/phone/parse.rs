//! Parsing a phone number to its calling code and national significant number, then
//! validating it, with libphonenumber metadata.
//!
//! Every value goes through the same preparation (trimming, numeric-export artifacts, the
//! international prefix), then one of two equivalent paths:
//! - the fast path, for the shapes source systems export (digits and the separators
//!   ` -.()/`, after an optional `+`): it follows the `phonenumber` crate's parsing steps on the
//!   digits, with the metadata patterns compiled in [`super::rules`], no lock and for most
//!   values no allocation;
//! - the `phonenumber` crate itself, for everything else (letters, extensions, RFC 3966 URIs,
//!   non-ASCII digits...).
//!
//! The tests check that both paths give the same result on generated numbers.

use std::borrow::Cow;

use phonenumber::country;

use super::rules::{Length, PhoneType, RegionId, RegionRules, is_calling_code, region_of_number};

/// Longest value parsed, in bytes; longer values are not phone numbers (NULL).
pub const MAX_PHONE_INPUT_LEN: usize = 128;

/// Digits of a value the fast path handles; longer ones go to the crate.
const MAX_FAST_DIGITS: usize = 20;
/// Longest national significant number (the crate's `MAX_LENGTH_FOR_NSN`).
const MAX_NATIONAL_LEN: usize = 17;

/// ASCII digits on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Digits {
    buf: [u8; MAX_FAST_DIGITS],
    len: u8,
}

impl Digits {
    fn new(digits: &str) -> Option<Self> {
        let bytes = digits.as_bytes();
        if bytes.len() > MAX_FAST_DIGITS || !bytes.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut buf = [0; MAX_FAST_DIGITS];
        buf[..bytes.len()].copy_from_slice(bytes);
        Some(Self {
            buf,
            len: bytes.len() as u8,
        })
    }

    pub(super) fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Digits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A valid phone number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phone {
    calling_code: u16,
    national: Digits,
    region: &'static str,
    kind: PhoneType,
}

impl Phone {
    /// The country calling code (33 for France).
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }

    /// The national significant number: no trunk prefix, leading zeros kept where they are
    /// part of the number (Italy).
    pub fn national_number(&self) -> &str {
        self.national.as_str()
    }

    /// ISO 3166 alpha-2 code of the number's region, `None` for non-geographic numbers
    /// (+800 international freephone, +870 Inmarsat, +881 satellite...).
    pub fn region(&self) -> Option<&'static str> {
        (self.region != "001").then_some(self.region)
    }

    pub fn kind(&self) -> PhoneType {
        self.kind
    }

    /// Appends the E.164 form (`+33612345678`) to `out`.
    pub fn write_e164(&self, out: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(out, "+{}{}", self.calling_code, self.national.as_str());
    }

    pub fn e164(&self) -> String {
        let mut out = String::with_capacity(20);
        self.write_e164(&mut out);
        out
    }
}

/// The default region argument, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DefaultRegion {
    /// No default region: only international forms parse.
    Absent,
    Region(RegionId),
}

/// Resolves a default region argument: absent, empty or an ISO 3166 alpha-2 code in any case.
/// `None` for an unknown code.
pub(super) fn resolve_region(region: Option<&str>) -> Option<DefaultRegion> {
    match region.map(str::trim) {
        None | Some("") => Some(DefaultRegion::Absent),
        Some(code) => RegionId::from_iso(code).map(DefaultRegion::Region),
    }
}

/// Parses and validates `input`: `None` unless it is a valid number.
pub(super) fn parse_phone(input: &str, region: DefaultRegion) -> Option<Phone> {
    let (calling_code, national) = parse_number(input, region, Path::Fast)?;
    let rules = region_of_number(calling_code, national.as_str())?;
    let kind = rules.number_type(national.as_str())?;
    Some(Phone {
        calling_code,
        national,
        region: rules.id,
        kind,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The fast path when it applies, else the crate.
    Fast,
    /// Always the crate (the tests' reference).
    #[cfg_attr(not(test), allow(dead_code))]
    Crate,
}

/// The calling code and national significant number of `input`, valid or not.
fn parse_number(input: &str, region: DefaultRegion, path: Path) -> Option<(u16, Digits)> {
    let cleaned = clean(input)?;
    let rules = match region {
        DefaultRegion::Absent => None,
        DefaultRegion::Region(id) => Some(id.rules()?),
    };
    let form = split(&cleaned, rules);
    if path == Path::Fast
        && let Some(parsed) = fast_parse(&form, rules)
    {
        return parsed;
    }
    let (region_id, text) = crate_query(&form, rules)?;
    let number = phonenumber::parse(region_id, text.as_ref()).ok()?;
    let national = Digits::new(&number.national().to_string())?;
    Some((number.code().value(), national))
}

/// Trims, drops the `.0` of a number exported from a float column (`612345678.0`) and turns
/// every whitespace character (tab, no-break spaces) into a space, which the parser ignores.
/// `None` when longer than [`MAX_PHONE_INPUT_LEN`] once trimmed.
fn clean(input: &str) -> Option<Cow<'_, str>> {
    let s = input.trim();
    if s.len() > MAX_PHONE_INPUT_LEN {
        return None;
    }
    let s = match s.strip_suffix(".0") {
        Some(digits) if digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit()) => digits,
        _ => s,
    };
    Some(if s.chars().any(|c| c.is_whitespace() && c != ' ') {
        Cow::Owned(
            s.chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    })
}

/// A value, once its international prefix is recognized.
#[derive(Clone, Debug)]
enum Form<'a> {
    /// What follows `+` or an international dialling prefix: a calling code, then the number.
    International(Cow<'a, str>),
    /// A number in national format, from its first digit.
    National(&'a str),
}

/// Finds the international prefix: a `+`, or the dialling prefix (IDD) of the default region
/// (`00` in most of the world, `011` in North America), `00` when there is no default region.
/// Like the crate, an IDD followed by `0` is not one, and what precedes the first digit or `+`
/// is ignored (a spreadsheet's leading apostrophe, "Tel: ").
///
/// The crate, given a default region, strips its trunk prefix from international numbers with
/// that region's rules rather than those of the number's country: "+39 06..." with region FR
/// loses the Italian leading 0, "+33 (0)6..." with region US keeps the French trunk 0. So
/// international forms are parsed without default region.
fn split<'a>(s: &'a str, rules: Option<&RegionRules>) -> Form<'a> {
    let Some(start) = s.find(|c: char| c == '+' || c == '＋' || c.is_numeric()) else {
        return Form::National(s);
    };
    let s = &s[start..];
    if let Some(rest) = s.strip_prefix(['+', '＋']) {
        return Form::International(Cow::Borrowed(rest));
    }
    // Digits of the leading digits-and-separators run, and where each one ends.
    let mut digits = [0u8; MAX_FAST_DIGITS];
    let mut ends = [0usize; MAX_FAST_DIGITS];
    let mut count = 0;
    let mut whole_value = true;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'0'..=b'9' if count < MAX_FAST_DIGITS => {
                digits[count] = b;
                ends[count] = i + 1;
                count += 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            _ => {
                whole_value = false;
                break;
            }
        }
    }
    let digits = std::str::from_utf8(&digits[..count]).unwrap_or_default();
    let idd_end = match rules {
        Some(rules) => rules.international_prefix_end(digits),
        None => digits.starts_with("00").then_some(2),
    };
    if let Some(end) = idd_end
        && !digits[end..].starts_with('0')
    {
        let after = end.checked_sub(1).map_or(0, |last| ends[last]);
        return Form::International(Cow::Borrowed(&s[after..]));
    }
    match rules {
        Some(rules) if whole_value && digits.starts_with(&rules.country_code_digits) => {
            national_with_calling_code(s, digits, rules)
        }
        _ => Form::National(s),
    }
}

/// A national-format number that begins with the calling code of the default region, read as
/// libphonenumber does (`maybeExtractCountryCode`): the code was written without `+` when the
/// digits are not a number of the region but are once the code (and trunk prefix) is
/// removed, or when they are too long for the region (`33 6 12 34 56 78` in France); otherwise
/// they are the national number (`392 123 4567`, an Italian mobile). Either way the value is
/// then read as international. The crate removes the code whenever the number is not
/// "possible", which its metadata never says, and loses such Italian numbers.
fn national_with_calling_code<'a>(s: &'a str, digits: &str, rules: &RegionRules) -> Form<'a> {
    let code = rules.country_code_digits.as_str();
    let without_code = strip_national_prefix(rules, &digits[code.len()..]);
    let code_was_written = (!rules.matches_general_entirely(digits)
        && rules.matches_general_entirely(&without_code))
        || rules.is_too_long(digits.len());
    if code_was_written {
        Form::International(Cow::Borrowed(s))
    } else {
        Form::International(Cow::Owned(format!("{code} {s}")))
    }
}

/// The question the crate is asked: international forms without default region, behind
/// `"+ "` (the space keeps its RFC 3966 reading away: "+336-12-34-56-78" would take 336 as
/// the calling code).
fn crate_query<'a>(
    form: &Form<'a>,
    rules: Option<&RegionRules>,
) -> Option<(Option<country::Id>, Cow<'a, str>)> {
    match *form {
        Form::International(ref rest) => Some((None, Cow::Owned(format!("+ {rest}")))),
        Form::National(s) => {
            let id = match rules {
                Some(rules) => Some(rules.id.parse().ok()?),
                None => None,
            };
            Some((id, Cow::Borrowed(s)))
        }
    }
}

/// The crate's parsing steps on the digits of a simple value: `None` when the value is not
/// simple (the crate parses it), `Some(None)` for a value that is no number.
fn fast_parse(form: &Form<'_>, rules: Option<&RegionRules>) -> Option<Option<(u16, Digits)>> {
    let (text, international) = match form {
        Form::International(rest) => (rest.as_ref(), true),
        Form::National(s) => (*s, false),
    };
    let digits = simple_digits(text)?;
    let digits = digits.as_str();
    // The crate reads two digits as a "short" number; leave such values to it.
    if digits.len() < 3 {
        return None;
    }
    Some(match (international, rules) {
        (true, _) => parse_international(digits),
        (false, Some(rules)) => parse_national(digits, rules),
        // A national number without default region has no country.
        (false, None) => None,
    })
}

/// The digits of a value made only of ASCII digits and the separators ` -.()/`; `None` for
/// anything else or more than [`MAX_FAST_DIGITS`] digits.
fn simple_digits(text: &str) -> Option<Digits> {
    let mut buf = [0u8; MAX_FAST_DIGITS];
    let mut len = 0;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                *buf.get_mut(len)? = b;
                len += 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            _ => return None,
        }
    }
    Some(Digits {
        buf,
        len: len as u8,
    })
}

/// Digits after `+`: the calling code (the shortest known one), then the national number
/// with the trunk prefix of the number's own region removed (`+33 (0)6...`).
fn parse_international(digits: &str) -> Option<(u16, Digits)> {
    if digits.starts_with('0') {
        return None;
    }
    let (code, national) = (1..=3).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        is_calling_code(code).then(|| (code, &digits[len..]))
    })?;
    let national = match region_of_number(code, national.trim_start_matches('0')) {
        Some(rules) => strip_national_prefix(rules, national),
        None => Cow::Borrowed(national),
    };
    finish(code, &national)
}

/// Digits of a national-format number of the default region. They do not begin with its
/// calling code ([`split`] reads those as international), so the crate keeps them whole.
fn parse_national(digits: &str, rules: &RegionRules) -> Option<(u16, Digits)> {
    finish(rules.country_code, &strip_national_prefix(rules, digits))
}

/// Removes the trunk prefix (and carrier code) as the crate does, unless what remains is too
/// short for the region.
fn strip_national_prefix<'a>(rules: &RegionRules, national: &'a str) -> Cow<'a, str> {
    let mut potential = match rules.prefix_for_parsing(national) {
        None => match rules.national_prefix {
            Some(prefix) if national.starts_with(prefix) => {
                Cow::Borrowed(&national[prefix.len()..])
            }
            _ => Cow::Borrowed(national),
        },
        Some(None) => Cow::Borrowed(national),
        Some(Some(matched)) => match matched.transformed {
            Some(transformed) => {
                if rules.matches_general(national) && !rules.matches_general(&transformed) {
                    Cow::Borrowed(national)
                } else {
                    Cow::Owned(transformed)
                }
            }
            None => Cow::Borrowed(&national[matched.end..]),
        },
    };
    // The crate strips the plain national prefix once more.
    if let Some(prefix) = rules.national_prefix
        && potential.starts_with(prefix)
    {
        potential = match potential {
            Cow::Borrowed(s) => Cow::Borrowed(&s[prefix.len()..]),
            Cow::Owned(s) => Cow::Owned(s[prefix.len()..].to_owned()),
        };
    }
    if rules.length(potential.len()) == Length::TooShort {
        Cow::Borrowed(national)
    } else {
        potential
    }
}

/// The crate's final checks: 2 to 17 digits, not all zeros, below 2^56.
fn finish(code: u16, national: &str) -> Option<(u16, Digits)> {
    if national.len() < 2 || national.len() > MAX_NATIONAL_LEN {
        return None;
    }
    let significant = national.trim_start_matches('0');
    let value: u64 = significant.parse().ok()?;
    if value >= 1 << 56 {
        return None;
    }
    Some((code, Digits::new(national)?))
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use phonenumber::metadata::DATABASE;
    use proptest::prelude::*;

    use super::*;

    fn region(code: &str) -> DefaultRegion {
        resolve_region(Some(code)).unwrap_or_else(|| panic!("unknown region {code}"))
    }

    /// What the `phonenumber` crate alone says of a value, after the same preparation: the
    /// E.164 form of a valid number and, when its national number has no leading zero (the
    /// crate's own classification drops them), its region and type.
    #[derive(Debug, PartialEq)]
    struct Verdict {
        e164: String,
        region_and_type: Option<(Option<&'static str>, Option<PhoneType>)>,
    }

    fn crate_verdict(input: &str, region: DefaultRegion) -> Option<Verdict> {
        let cleaned = clean(input)?;
        let rules = match region {
            DefaultRegion::Absent => None,
            DefaultRegion::Region(id) => Some(id.rules()?),
        };
        let (id, text) = crate_query(&split(&cleaned, rules), rules)?;
        let number = phonenumber::parse(id, text.as_ref()).ok()?;
        if !number.is_valid() {
            return None;
        }
        let national = number.national();
        Some(Verdict {
            e164: format!("+{}{}", number.code().value(), national),
            region_and_type: (national.zeros() == 0).then(|| {
                let region = number.country().id().map(|id| {
                    let id: &'static str = DATABASE
                        .by_id(id.as_ref())
                        .map(|m| m.id())
                        .unwrap_or_default();
                    id
                });
                (region, phone_type(number.number_type(&DATABASE)))
            }),
        })
    }

    fn phone_type(kind: phonenumber::Type) -> Option<PhoneType> {
        use phonenumber::Type;
        Some(match kind {
            Type::FixedLine => PhoneType::FixedLine,
            Type::Mobile => PhoneType::Mobile,
            Type::FixedLineOrMobile => PhoneType::FixedLineOrMobile,
            Type::TollFree => PhoneType::TollFree,
            Type::PremiumRate => PhoneType::PremiumRate,
            Type::SharedCost => PhoneType::SharedCost,
            Type::PersonalNumber => PhoneType::PersonalNumber,
            Type::Voip => PhoneType::Voip,
            Type::Pager => PhoneType::Pager,
            Type::Uan => PhoneType::Uan,
            Type::Voicemail => PhoneType::Voicemail,
            _ => return None,
        })
    }

    /// Checks that the fast path and the crate agree on `input`: same parse (valid or not),
    /// same E.164 form, region and type.
    fn assert_paths_agree(input: &str, region: DefaultRegion) {
        assert_eq!(
            parse_number(input, region, Path::Fast),
            parse_number(input, region, Path::Crate),
            "parse of {input:?} with {region:?}"
        );
        let ours = parse_phone(input, region);
        let theirs = crate_verdict(input, region);
        assert_eq!(
            ours.map(|p| p.e164()),
            theirs.as_ref().map(|v| v.e164.clone()),
            "E.164 of {input:?} with {region:?}"
        );
        if let (
            Some(ours),
            Some(Verdict {
                region_and_type: Some((their_region, their_type)),
                ..
            }),
        ) = (ours, &theirs)
        {
            assert_eq!(ours.region(), *their_region, "region of {input:?}");
            assert_eq!(Some(ours.kind()), *their_type, "type of {input:?}");
        }
    }

    /// An example number of the metadata.
    #[derive(Clone, Copy)]
    struct Example {
        region: &'static str,
        calling_code: u16,
        trunk_prefix: Option<&'static str>,
        national: &'static str,
    }

    static EXAMPLES: LazyLock<Vec<Example>> = LazyLock::new(|| {
        let mut examples = Vec::new();
        let mut metadata: Vec<_> = DATABASE.iter().collect();
        metadata.sort_by_key(|m| m.id());
        for meta in metadata {
            let d = meta.descriptors();
            for descriptor in [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ]
            .into_iter()
            .flatten()
            {
                if let Some(national) = descriptor.example() {
                    examples.push(Example {
                        region: meta.id(),
                        calling_code: meta.country_code(),
                        trunk_prefix: meta.national_prefix(),
                        national,
                    });
                }
            }
        }
        examples
    });

    const SEPARATORS: &[&str] = &["", "", "", " ", " ", "-", ".", "/", "(", ")", " (", ") "];

    /// Digits with a separator after each one, chosen by `seps`.
    fn with_separators(digits: &str, seps: &[usize]) -> String {
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            out.push(c);
            if i + 1 < digits.len() && !seps.is_empty() {
                out.push_str(SEPARATORS[seps[i % seps.len()] % SEPARATORS.len()]);
            }
        }
        out
    }

    /// The ways sources write a number with calling code `code`, trunk prefix `trunk` and
    /// national number `national`.
    fn written_forms(code: u16, trunk: Option<&str>, national: &str) -> Vec<String> {
        let trunk = trunk.unwrap_or("");
        vec![
            format!("+{code} {national}"),
            format!("+{code}{national}"),
            format!("+{code} ({trunk}){national}"),
            format!("+{code}{trunk}{national}"),
            format!("00{code} {national}"),
            format!("00{code} ({trunk}){national}"),
            format!("011 {code} {national}"),
            format!("{trunk}{national}"),
            national.to_owned(),
            format!("{code}{national}"),
            format!("'+{code}{national}"),
            format!("{trunk}{national}.0"),
        ]
    }

    const REGIONS: &[&str] = &[
        "", "FR", "GB", "US", "JP", "KR", "DE", "IT", "BR", "AR", "RU", "KZ", "CN", "IN", "AU",
        "MX", "ES", "RE", "GG", "CA", "JM", "NZ", "SM", "GA", "MG", "KN", "IM",
    ];

    /// Whether the fast path, not the crate, answers for `input`.
    fn takes_fast_path(input: &str, region: DefaultRegion) -> bool {
        let Some(cleaned) = clean(input) else {
            return false;
        };
        let rules = match region {
            DefaultRegion::Absent => None,
            DefaultRegion::Region(id) => id.rules(),
        };
        fast_parse(&split(&cleaned, rules), rules).is_some()
    }

    #[test]
    fn fast_path_agrees_with_the_crate_on_every_metadata_example() {
        let (mut cases, mut fast, mut valid) = (0, 0, 0);
        for example in EXAMPLES.iter() {
            let forms = written_forms(example.calling_code, example.trunk_prefix, example.national);
            for form in forms {
                for region_code in [example.region, "", "US"] {
                    if let Some(region) = resolve_region(Some(region_code)) {
                        assert_paths_agree(&form, region);
                        cases += 1;
                        fast += usize::from(takes_fast_path(&form, region));
                        valid += usize::from(parse_phone(&form, region).is_some());
                    }
                }
            }
        }
        // The examples exercise the fast path, on valid numbers as well as invalid ones.
        assert!(cases > 15_000, "{cases} cases");
        assert!(fast * 10 > cases * 9, "{fast} of {cases} on the fast path");
        assert!(valid * 3 > cases, "{valid} of {cases} valid");
    }

    fn example_number() -> impl Strategy<Value = (String, DefaultRegion)> {
        (
            0..EXAMPLES.len(),
            0..12usize,
            prop::collection::vec(0..SEPARATORS.len(), 0..4),
            0..5usize,
            any::<prop::sample::Index>(),
            0..10u8,
            0..REGIONS.len() + 3,
        )
            .prop_map(
                |(example, form, seps, mutation, at, digit, region_choice)| {
                    let example = EXAMPLES[example];
                    let mut national = example.national.to_owned();
                    let at = at.index(national.len());
                    let digit = char::from(b'0' + digit);
                    match mutation {
                        1 => {
                            national.remove(at);
                        }
                        2 => national.insert(at, digit),
                        3 => national.replace_range(at..=at, &digit.to_string()),
                        _ => {}
                    }
                    let national = with_separators(&national, &seps);
                    let text = written_forms(example.calling_code, example.trunk_prefix, &national)
                        .swap_remove(form);
                    let region_code = REGIONS
                        .get(region_choice)
                        .copied()
                        .unwrap_or(example.region);
                    (
                        text,
                        resolve_region(Some(region_code)).unwrap_or(DefaultRegion::Absent),
                    )
                },
            )
    }

    fn random_number() -> impl Strategy<Value = (String, DefaultRegion)> {
        let prefixes = prop::sample::select(vec![
            "", "+", "00", "0", "+33", "+33 (0)", "+1", "011", "1", "(0)", "'", "+44 (0)",
            "0033 (0)", "+0", "+39 0", "+7 8", "+54 9", "+55 0", "8", "+",
        ]);
        (
            prefixes,
            "[0-9]{0,18}",
            prop::collection::vec(0..SEPARATORS.len(), 0..4),
            prop::sample::select(REGIONS),
        )
            .prop_map(|(prefix, digits, seps, region_code)| {
                let text = format!("{prefix}{}", with_separators(&digits, &seps));
                (
                    text,
                    resolve_region(Some(region_code)).unwrap_or(DefaultRegion::Absent),
                )
            })
    }

    proptest! {
        // The crate's own path is slow in debug builds: the exhaustive test above covers the
        // metadata examples, these add mutations and separators.
        #![proptest_config(ProptestConfig::with_cases(600))]

        #[test]
        fn fast_path_agrees_with_the_crate_on_example_numbers((text, region) in example_number()) {
            assert_paths_agree(&text, region);
        }

        #[test]
        fn fast_path_agrees_with_the_crate_on_random_digits((text, region) in random_number()) {
            assert_paths_agree(&text, region);
        }
    }

    proptest! {
        #[test]
        fn never_panics(
            text in prop_oneof![
                "\\PC*",
                "[0-9+()'. -]{0,40}",
                "[+0]{0,3}[0-9０-９٠-٩a-zA-Z#;=x ,:-]{0,60}",
                "\\PC{2000,10000}",
            ],
            region_code in prop::sample::select(REGIONS),
        ) {
            let region = resolve_region(Some(region_code)).unwrap_or(DefaultRegion::Absent);
            assert_paths_agree(&text, region);
            let _ = parse_phone(&text, DefaultRegion::Absent);
        }
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("  612345678.0 ").as_deref(), Some("612345678"));
        assert_eq!(clean("6.0").as_deref(), Some("6.0"));
        assert_eq!(clean("06 12\t34\u{a0}56").as_deref(), Some("06 12 34 56"));
        assert!(matches!(clean(" 0612 "), Some(Cow::Borrowed("0612"))));
        assert_eq!(clean(&"1".repeat(MAX_PHONE_INPUT_LEN + 1)), None);
    }

    #[test]
    fn international_prefixes() {
        let fr = region("FR");
        let us = region("US").into_rules();
        let international = |s: &str, rules| match split(s, rules) {
            Form::International(rest) => Some(rest.into_owned()),
            Form::National(_) => None,
        };
        let fr_rules = fr.into_rules();
        assert_eq!(international("+33 6", fr_rules).as_deref(), Some("33 6"));
        assert_eq!(international("'+33 6", fr_rules).as_deref(), Some("33 6"));
        assert_eq!(international("0033 6", fr_rules).as_deref(), Some("33 6"));
        assert_eq!(international("00 33 6", None).as_deref(), Some(" 33 6"));
        // An IDD followed by 0 is not one.
        assert_eq!(international("000 33 6", fr_rules), None);
        assert_eq!(international("011 33 6", us).as_deref(), Some(" 33 6"));
        assert_eq!(international("0033 6", us), None);
        assert_eq!(international("06 12", fr_rules), None);
        // The calling code without "+", or national digits that begin like it.
        assert_eq!(
            international("33 6 12 34 56 78", fr_rules).as_deref(),
            Some("33 6 12 34 56 78")
        );
        assert_eq!(
            international("33 (0)6 12 34 56 78", fr_rules).as_deref(),
            Some("33 (0)6 12 34 56 78")
        );
        let it = region("IT").into_rules();
        assert_eq!(
            international("392 123 4567", it).as_deref(),
            Some("39 392 123 4567")
        );
        assert_eq!(
            international("39 392 123 4567", it).as_deref(),
            Some("39 392 123 4567")
        );
    }

    impl DefaultRegion {
        fn into_rules(self) -> Option<&'static RegionRules> {
            match self {
                DefaultRegion::Absent => None,
                DefaultRegion::Region(id) => id.rules(),
            }
        }
    }

    /// Rough throughput of both paths (run with `--release -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn measure_throughput() {
        let fr = region("FR");
        let numbers: Vec<String> = (0..100_000u32)
            .map(|i| {
                let n = 600_000_000 + (i * 7_919) % 100_000_000;
                match i % 4 {
                    0 => format!("0{n}"),
                    1 => format!("+33 {n}"),
                    2 => {
                        let s = format!("0{n}");
                        with_separators(&s, &[0, 3])
                    }
                    _ => format!("+33 (0){n}"),
                }
            })
            .collect();
        for (name, path) in [("fast path", Path::Fast), ("crate", Path::Crate)] {
            let sample = if path == Path::Fast {
                &numbers[..]
            } else {
                &numbers[..10_000]
            };
            let start = std::time::Instant::now();
            let valid = sample
                .iter()
                .filter(|n| {
                    parse_number(n, fr, path).is_some_and(|(code, national)| {
                        region_of_number(code, national.as_str())
                            .and_then(|r| r.number_type(national.as_str()))
                            .is_some()
                    })
                })
                .count();
            let elapsed = start.elapsed();
            println!(
                "{name}: {} values in {elapsed:?}, {:.0} values/s, {valid} valid",
                sample.len(),
                sample.len() as f64 / elapsed.as_secs_f64()
            );
        }
        let start = std::time::Instant::now();
        std::thread::scope(|scope| {
            for half in numbers.chunks(numbers.len() / 2) {
                scope.spawn(move || half.iter().filter(|n| parse_phone(n, fr).is_some()).count());
            }
        });
        let elapsed = start.elapsed();
        println!(
            "fast path, 2 threads: {:.0} values/s",
            numbers.len() as f64 / elapsed.as_secs_f64()
        );
    }
}
