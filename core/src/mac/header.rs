//! The server side of MAC authentication: parsing an `Authorization: MAC ...` header.

/// The fields of a parsed `Authorization: MAC ...` header (for servers such as the sandbox).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MacHeader {
    pub id: String,
    pub ts: String,
    pub nonce: String,
    #[serde(skip)]
    pub mac: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext: Option<String>,
}

impl MacHeader {
    /// Parses `MAC id="..", ts="..", nonce="..", mac=".."[, ext=".."]`.
    ///
    /// Quote-aware: a quoted value runs to the next `"`, so it may hold `,`, `=` and spaces
    /// (Paysera's nonces are drawn from all printable ASCII except `"` and `\`). One pass over
    /// the header; the only allocations are the field values returned.
    ///
    /// ```
    /// use paysera_scanpay::mac::MacHeader;
    ///
    /// let h = MacHeader::parse(r#"MAC id="a", ts="1", nonce="x, y=z", mac="m""#).unwrap();
    /// assert_eq!(h.nonce, "x, y=z");
    /// ```
    pub fn parse(header: &str) -> Result<Self, String> {
        let mut rest = header
            .strip_prefix("MAC ")
            .ok_or("Authorization scheme must be MAC")?;
        let (mut id, mut ts, mut nonce, mut mac, mut ext) = (None, None, None, None, None);
        loop {
            rest = rest.trim_start_matches(is_ows);
            let eq = rest.find('=').ok_or_else(|| {
                format!(
                    "malformed Authorization field {:?}",
                    rest.split(',').next().unwrap_or(rest)
                )
            })?;
            let name = rest[..eq].trim_end_matches(is_ows);
            let slot = match name {
                "id" => &mut id,
                "ts" => &mut ts,
                "nonce" => &mut nonce,
                "mac" => &mut mac,
                "ext" => &mut ext,
                other => return Err(format!("unknown Authorization field {other:?}")),
            };
            let quoted = rest[eq + 1..]
                .trim_start_matches(is_ows)
                .strip_prefix('"')
                .ok_or_else(|| format!("Authorization field {name} must be quoted"))?;
            let close = quoted
                .bytes()
                .position(|b| b == b'"' || b == b'\\')
                .ok_or_else(|| format!("Authorization field {name} has no closing quote"))?;
            if quoted.as_bytes()[close] == b'\\' {
                return Err(format!(
                    "Authorization field {name} contains '\\', which Paysera never sends"
                ));
            }
            if slot.replace(quoted[..close].to_owned()).is_some() {
                return Err(format!("Authorization field {name} given twice"));
            }
            rest = quoted[close + 1..].trim_start_matches(is_ows);
            if rest.is_empty() {
                break;
            }
            rest = rest.strip_prefix(',').ok_or_else(|| {
                format!("Authorization field {name} must be followed by ',' or the end")
            })?;
        }
        Ok(Self {
            id: id.ok_or("Authorization is missing id")?,
            ts: ts.ok_or("Authorization is missing ts")?,
            nonce: nonce.ok_or("Authorization is missing nonce")?,
            mac: mac.ok_or("Authorization is missing mac")?,
            ext,
        })
    }
}

/// Optional whitespace around header parameters: space or tab.
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}
