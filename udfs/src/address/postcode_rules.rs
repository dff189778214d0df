//! Per-country postcode formats: the canonical form and what is valid.
//!
//! Formats are written as shapes: `9` a digit, `A` a letter, any other character a separator
//! that the canonical form writes and the input may omit (or write as a space or a hyphen).
//! Sources: the Universal Postal Union's addressing pages per country, and for GB the pattern
//! of the UK Government Data Standards Catalogue (postcode format, letters not used in each
//! position), for CA Canada Post (letters D F I O Q U never used, W and Z never first), for NL
//! PostNL (letter pairs SA, SD and SS not used).

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// How one country writes its postcodes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PostcodeRule {
    /// One of `shapes`; `check` refines validity (allowed ranges); `pad_zeros` restores up to
    /// two leading zeros lost by a spreadsheet, in the first shape only (the ZIP, not the
    /// ZIP+4) and only from digits.
    Shapes {
        shapes: &'static [&'static str],
        check: fn(&str) -> bool,
        pad_zeros: bool,
    },
    /// The British format, with its variable-length outward code.
    Gb,
}

const fn shapes(shapes: &'static [&'static str], pad_zeros: bool) -> PostcodeRule {
    PostcodeRule::Shapes {
        shapes,
        check: |_| true,
        pad_zeros,
    }
}

const fn checked(
    shapes: &'static [&'static str],
    check: fn(&str) -> bool,
    pad_zeros: bool,
) -> PostcodeRule {
    PostcodeRule::Shapes {
        shapes,
        check,
        pad_zeros,
    }
}

fn first_digit_not_zero(code: &str) -> bool {
    !code.starts_with('0')
}

/// The two leading digits as a number.
fn department(code: &str) -> u32 {
    code.get(..2).and_then(|d| d.parse().ok()).unwrap_or(0)
}

/// The rule of the country with alpha-2 code `country`, if its format is known.
pub(crate) fn rule_for(country: &str) -> Option<PostcodeRule> {
    const FIVE: &[&str] = &["99999"];
    const FOUR: &[&str] = &["9999"];
    const SIX: &[&str] = &["999999"];
    const THREE_TWO: &[&str] = &["999 99"];
    Some(match country {
        // Metropolitan France and Corsica: departments 01–95; 97 and 98 are overseas.
        "FR" => checked(FIVE, |c| matches!(department(c), 1..=95 | 97 | 98), true),
        // Overseas departments and collectivities use French 97xxx/98xxx codes.
        "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" | "BL" | "MF" | "WF" | "PF" | "NC" => {
            checked(FIVE, |c| matches!(department(c), 97 | 98), false)
        }
        "MC" => checked(FIVE, |c| c.starts_with("980"), false),
        "DE" => checked(FIVE, |c| !c.starts_with("00"), true),
        "ES" => checked(FIVE, |c| matches!(department(c), 1..=52), true),
        "IT" | "SM" | "VA" | "FI" | "MX" | "KR" => shapes(FIVE, true),
        "US" | "PR" | "VI" | "GU" | "AS" | "MP" => shapes(&["99999", "99999-9999"], true),
        "BE" | "CH" | "LI" | "AT" | "LU" | "HU" | "SI" => {
            checked(FOUR, first_digit_not_zero, false)
        }
        "DK" => shapes(FOUR, false),
        "NO" | "AU" => shapes(FOUR, true),
        "NL" => checked(
            &["9999 AA"],
            |c| first_digit_not_zero(c) && !matches!(&c[5..], "SA" | "SD" | "SS"),
            false,
        ),
        "JP" => shapes(&["999-9999"], true),
        "CA" => checked(&["A9A 9A9"], is_canadian, false),
        "PT" => checked(&["9999-999"], first_digit_not_zero, false),
        "BR" => shapes(&["99999-999"], true),
        "PL" => shapes(&["99-999"], true),
        "SE" | "GR" | "CZ" | "SK" => checked(THREE_TWO, first_digit_not_zero, false),
        "IN" => checked(SIX, first_digit_not_zero, false),
        "RU" | "CN" | "BY" | "KZ" => shapes(SIX, false),
        "GB" | "GG" | "JE" | "IM" => PostcodeRule::Gb,
        _ => return None,
    })
}

/// The canonical form of `code` under `rule`, or `None` when it is not a valid postcode.
pub(crate) fn apply(rule: PostcodeRule, code: &str) -> Option<Cow<'_, str>> {
    let trimmed = code.trim();
    let cleaned: Cow<str> = if trimmed.is_ascii() {
        Cow::Borrowed(trimmed)
    } else {
        // Full-width digits and letters (Japanese input), the postal mark 〒.
        Cow::Owned(
            trimmed
                .nfkc()
                .filter(|&c| c != '〒')
                .collect::<String>()
                .trim()
                .to_owned(),
        )
    };
    let mut compact = [0u8; 16];
    let len = compact_code(
        &cleaned,
        matches!(rule, PostcodeRule::Shapes { .. }),
        &mut compact,
    )?;
    let compact = &compact[..len];
    let out = match rule {
        PostcodeRule::Shapes {
            shapes,
            check,
            pad_zeros,
        } => shapes
            .iter()
            .enumerate()
            .find_map(|(i, shape)| format_shape(shape, compact, pad_zeros && i == 0))
            .filter(|c| check(c))?,
        PostcodeRule::Gb => format_gb(compact)?,
    };
    if out == code {
        Some(Cow::Borrowed(code))
    } else {
        Some(Cow::Owned(out))
    }
}

/// Copies the letters (uppercased) and digits of `code` into `out`, skipping spaces, hyphens
/// and dots, and a country prefix such as `F-` or `CH-` when `strip_prefix`; returns the
/// length. `None` for any other character or more than 16 characters.
fn compact_code(code: &str, strip_prefix: bool, out: &mut [u8; 16]) -> Option<usize> {
    let mut code = code;
    if strip_prefix && let Some((prefix, rest)) = code.split_once('-') {
        let prefix = prefix.trim();
        if (1..=3).contains(&prefix.len())
            && prefix.bytes().all(|b| b.is_ascii_alphabetic())
            && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            code = rest;
        }
    }
    let mut len = 0;
    for b in code.bytes() {
        match b {
            b' ' | b'-' | b'.' | b'\t' => {}
            b if b.is_ascii_alphanumeric() => {
                *out.get_mut(len)? = b.to_ascii_uppercase();
                len += 1;
            }
            _ => return None,
        }
    }
    (len > 0).then_some(len)
}

/// `compact` written in `shape`, if it fits (after restoring lost leading zeros when allowed).
fn format_shape(shape: &str, compact: &[u8], pad_zeros: bool) -> Option<String> {
    let slots = shape.bytes().filter(|b| matches!(b, b'9' | b'A')).count();
    let all_digits = !shape.contains('A') && compact.iter().all(u8::is_ascii_digit);
    let zeros = if compact.len() == slots {
        0
    } else if pad_zeros && all_digits && (slots - 2..slots).contains(&compact.len()) {
        slots - compact.len()
    } else {
        return None;
    };
    let mut chars = std::iter::repeat_n(b'0', zeros).chain(compact.iter().copied());
    let mut out = String::with_capacity(shape.len());
    for slot in shape.bytes() {
        match slot {
            b'9' => out.push(char::from(chars.next().filter(u8::is_ascii_digit)?)),
            b'A' => out.push(char::from(chars.next().filter(u8::is_ascii_uppercase)?)),
            separator => out.push(char::from(separator)),
        }
    }
    Some(out)
}

fn is_canadian(code: &str) -> bool {
    let letters = [0, 2, 5].map(|i| code.as_bytes()[i]);
    letters.iter().all(|l| !b"DFIOQU".contains(l)) && !b"WZ".contains(&letters[0])
}

/// A British postcode: outward code (A9, A99, AA9, AA99, A9A or AA9A), a space, inward code
/// (9AA); or the special GIR 0AA.
fn format_gb(compact: &[u8]) -> Option<String> {
    if compact == b"GIR0AA" {
        return Some("GIR 0AA".to_owned());
    }
    if !(5..=7).contains(&compact.len()) {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = inward[0].is_ascii_digit()
        && inward[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() && !b"CIKMOV".contains(b));
    let letter = |b: u8| b.is_ascii_uppercase();
    let digit = |b: u8| b.is_ascii_digit();
    let outward_ok = letter(outward[0])
        && !b"QVX".contains(&outward[0])
        && match outward[1..] {
            [d] => digit(d),
            [d, e] if digit(d) => digit(e) || b"ABCDEFGHJKPSTUW".contains(&e),
            [l, d] => letter(l) && !b"IJZ".contains(&l) && digit(d),
            [l, d, e] => {
                letter(l)
                    && !b"IJZ".contains(&l)
                    && digit(d)
                    && (digit(e) || b"ABEHMNPRVWXY".contains(&e))
            }
            _ => false,
        };
    if !(inward_ok && outward_ok) {
        return None;
    }
    let mut out = String::with_capacity(compact.len() + 1);
    out.extend(outward.iter().map(|&b| char::from(b)));
    out.push(' ');
    out.extend(inward.iter().map(|&b| char::from(b)));
    Some(out)
}
