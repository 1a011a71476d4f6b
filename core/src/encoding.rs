//! Percent- and form-encoding, written once for MAC signing, QR app links, callbacks and
//! query strings. Each caller words its own errors; this module only says what went wrong where.

/// Form-urlencodes like PHP's `urlencode`/`http_build_query`: ASCII alphanumerics and `-_.` stay,
/// space becomes `+`, every other byte `%XX` (upper-case hex).
///
/// ```
/// use paysera_scanpay::mac::form_urlencode;
///
/// assert_eq!(form_urlencode("a b/ą"), "a+b%2F%C4%85");
/// ```
pub fn form_urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    form_urlencode_into(&mut out, s);
    out
}

/// [`form_urlencode`], appended to `out`.
pub(crate) fn form_urlencode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
    }
}

/// Why [`form_decode`] stopped; `at` is the byte offset of the `%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PercentError {
    /// Fewer than two bytes follow the `%`.
    Truncated { at: usize },
    /// The two bytes after the `%` are not both hex digits.
    BadHex { at: usize },
}

/// Decodes `%XX` escapes and `+` (space) of form-urlencoded bytes.
pub(crate) fn form_decode(input: &[u8]) -> Result<Vec<u8>, PercentError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let (Some(&hi), Some(&lo)) = (input.get(i + 1), input.get(i + 2)) else {
                    return Err(PercentError::Truncated { at: i });
                };
                let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo)) else {
                    return Err(PercentError::BadHex { at: i });
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_php_urlencode() {
        assert_eq!(form_urlencode("AZaz09-_."), "AZaz09-_.");
        assert_eq!(form_urlencode("a b"), "a+b");
        assert_eq!(
            form_urlencode("~*:%/?&=+#"),
            "%7E%2A%3A%25%2F%3F%26%3D%2B%23"
        );
        assert_eq!(form_urlencode("ą\u{7f}"), "%C4%85%7F");
    }

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(form_decode(b"a+b%2f%2F%C4%85").unwrap(), b"a b//\xc4\x85");
        assert_eq!(form_decode(b"").unwrap(), b"");
        assert_eq!(
            form_decode(b"ab%4").unwrap_err(),
            PercentError::Truncated { at: 2 }
        );
        assert_eq!(
            form_decode(b"%zz").unwrap_err(),
            PercentError::BadHex { at: 0 }
        );
        // A sign is not a hex digit (u8::from_str_radix would take "+f").
        assert_eq!(
            form_decode(b"%+f").unwrap_err(),
            PercentError::BadHex { at: 0 }
        );
    }

    #[test]
    fn round_trips() {
        for s in ["", "x", "a b&c=d", "ą€😀", "%+%"] {
            assert_eq!(
                form_decode(form_urlencode(s).as_bytes()).unwrap(),
                s.as_bytes()
            );
        }
    }
}
