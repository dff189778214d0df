//! The value every phonetic function returns, and the kernel that writes those values to Arrow.
//!
//! A code is a few ASCII bytes: it lives on the stack ([`PhoneticCode`]) and goes straight into
//! the output buffer, so coding a column allocates nothing per row.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringBuilder};
use datafusion::common::Result;
use datafusion::logical_expr::ColumnarValue;

use crate::common::StringArgs;

/// A phonetic code of at most `N` ASCII uppercase letters and digits, on the stack.
// The derived comparisons see the whole array: bytes past `len` are never written (codes only
// grow), so they are zero in every code and equal codes compare equal.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhoneticCode<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> PhoneticCode<N> {
    /// An empty code.
    pub fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Appends `b` (an ASCII uppercase letter or digit); does nothing when full, which
    /// truncates the code as every algorithm here specifies.
    #[inline]
    pub fn push(&mut self, b: u8) {
        debug_assert!(b.is_ascii_uppercase() || b.is_ascii_digit(), "{b}");
        if self.len < N {
            self.bytes[self.len] = b;
            self.len += 1;
        }
    }

    /// Appends every byte of `s`, up to the capacity.
    #[inline]
    pub fn push_str(&mut self, s: &[u8]) {
        for &b in s {
            self.push(b);
        }
    }

    /// Number of bytes in the code.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Is the code empty?
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Is the code at its capacity?
    #[inline]
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// The code as a string.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed, so this never fails; an empty string is the safe fallback.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    /// `Some(self)` unless empty: an empty code would make every such value collide, so the
    /// functions return NULL instead.
    pub fn non_empty(self) -> Option<Self> {
        (!self.is_empty()).then_some(self)
    }
}

impl<const N: usize> Default for PhoneticCode<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deref for PhoneticCode<N> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> AsRef<str> for PhoneticCode<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> fmt::Display for PhoneticCode<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for PhoneticCode<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> PartialEq<str> for PhoneticCode<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for PhoneticCode<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Codes the string argument 0 of `args` row by row into a `Utf8` result: `encode` gets the
/// row index (to read other arguments) and the string; `None` (or a null string) gives null.
pub fn map_to_codes<C, F>(args: &StringArgs, mut encode: F) -> Result<ColumnarValue>
where
    C: AsRef<str>,
    F: FnMut(usize, &str) -> Option<C>,
{
    let rows = args.rows();
    // Codes are a handful of bytes: 8 per row avoids regrowing the buffer in the usual case.
    let mut builder = StringBuilder::with_capacity(rows, rows * 8);
    for row in 0..rows {
        match args.get(0, row).and_then(|s| encode(row, s)) {
            Some(code) => builder.append_value(code),
            None => builder.append_null(),
        }
    }
    args.finish(Arc::new(builder.finish()) as ArrayRef)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_truncates_at_capacity() {
        let mut code = PhoneticCode::<4>::new();
        assert!(code.is_empty());
        code.push_str(b"KSAB9");
        assert_eq!(code, "KSAB");
        assert!(code.is_full());
        assert_eq!(code.to_string(), "KSAB");
        assert_eq!(format!("{code:?}"), "\"KSAB\"");
        assert_eq!(PhoneticCode::<4>::new().non_empty(), None);
    }
}
