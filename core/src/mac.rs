//! MAC access authentication, exactly as Paysera's Wallet API verifies it.
//!
//! ```text
//! normalized = ts "\n" nonce "\n" METHOD "\n" request_uri "\n" host "\n" port "\n" ext "\n"
//! mac        = base64(HMAC-SHA256(key = mac_key bytes, message = normalized))
//! ```
//!
//! [`sign`] is the pure function (everything explicit); [`MacSigner`] adds a clock and a nonce
//! source so callers only give the request.
//!
//! ```
//! use paysera_scanpay::mac::{MacCredentials, MacSigner};
//!
//! let signer = MacSigner::new(MacCredentials::new("wkVd93h2uS", "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU").unwrap());
//! let sig = signer
//!     .sign_at("GET", "https://wallet.paysera.com/rest/v1/spots?status=waiting", b"", &[], 1343811600, "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN")
//!     .unwrap();
//! assert_eq!(sig.mac, "irSg0m2b8N87EIhAENNkP+2O3E2x0KkddoTMSOEmHt8=");
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// A client id and its MAC key. `Debug` never shows the key.
#[derive(Clone)]
pub struct MacCredentials {
    client_id: String,
    mac_key: String,
    /// HMAC state already keyed: cloning it is cheaper than re-keying for every request.
    keyed: Hmac<Sha256>,
}

impl PartialEq for MacCredentials {
    fn eq(&self, other: &Self) -> bool {
        self.client_id == other.client_id && self.mac_key == other.mac_key
    }
}

impl Eq for MacCredentials {}

impl MacCredentials {
    /// Validates and stores credentials. The key is used as its literal bytes (not base64-decoded).
    pub fn new(client_id: impl Into<String>, mac_key: impl Into<String>) -> Result<Self, Error> {
        let client_id = client_id.into();
        let mac_key = mac_key.into();
        if client_id.is_empty() {
            return Err(Error::invalid_input("client_id is empty"));
        }
        if let Some(c) = client_id.chars().find(|c| !is_header_safe(*c)) {
            return Err(Error::invalid_input(format!(
                "client_id contains {c:?}, which cannot appear in an Authorization header"
            )));
        }
        if mac_key.is_empty() {
            return Err(Error::invalid_input("mac_key is empty"));
        }
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(mac_key.as_bytes())
            .expect("HMAC takes any key size");
        Ok(Self {
            client_id,
            mac_key,
            keyed,
        })
    }

    /// The MAC id sent in every request.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn hmac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }
}

impl fmt::Debug for MacCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacCredentials")
            .field("client_id", &self.client_id)
            .field("mac_key", &"<redacted>")
            .finish()
    }
}

/// Printable ASCII without `"` and `\`: what a quoted header parameter (and a nonce) may hold.
fn is_header_safe(c: char) -> bool {
    matches!(c, '\x20'..='\x7e') && c != '"' && c != '\\'
}

/// Everything a signature produced, for the header and for debugging signature mismatches.
/// `Debug` hides the MAC and the header value.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    pub ts: i64,
    pub nonce: String,
    /// The seven-line string that was HMAC'd.
    pub normalized: String,
    /// The ext parameter (`body_hash=...&...`), empty when there is none.
    pub ext: String,
    /// base64 HMAC-SHA256 of `normalized`.
    pub mac: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("ts", &self.ts)
            .field("nonce", &self.nonce)
            .field("normalized", &self.normalized)
            .field("ext", &self.ext)
            .field("mac", &"<redacted>")
            .field("authorization", &"<redacted>")
            .finish()
    }
}

/// The parts of a URL that go into the normalized string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Lower-case host without port (IPv6 literals keep their brackets).
    pub host: String,
    /// Explicit port, else 443 for https and 80 for http.
    pub port: u16,
    /// Path plus `?query`, byte for byte as written (never decoded or re-ordered), no fragment.
    pub request_uri: &'a str,
}

/// Splits an absolute `http`/`https` URL into what MAC signing needs, without normalising the
/// path or query: they are signed exactly as they will be sent.
pub fn url_parts(url: &str) -> Result<UrlParts<'_>, Error> {
    let bad = |why: &str| Error::invalid_input(format!("url {url:?}: {why}"));
    if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(&format!(
            "contains {c:?}; encode it before signing, the URL is signed byte for byte"
        )));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("not an absolute URL (expected https://host/path)"))?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad("scheme must be http or https")),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(bad("user info (user@host) is not supported"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6
            .find(']')
            .ok_or_else(|| bad("unterminated IPv6 literal"))?;
        let after = &v6[close + 1..];
        let host = &authority[..close + 2];
        match after {
            "" => (host, None),
            p if p.starts_with(':') => (host, Some(&p[1..])),
            _ => return Err(bad("unexpected characters after IPv6 literal")),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(bad("host is empty"));
    }
    let port = match port {
        None => default_port,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse().map_err(|_| bad("port is out of range"))?
        }
        Some(p) => return Err(bad(&format!("port {p:?} is not a number"))),
    };
    let without_fragment = tail.split('#').next().unwrap_or("");
    // An HTTP client sends "/" for an empty path; sign what is sent.
    let request_uri = if without_fragment.starts_with('/') {
        without_fragment
    } else if without_fragment.is_empty() {
        "/"
    } else {
        return Err(bad("a query needs a path: write https://host/?query"));
    };
    Ok(UrlParts {
        host: host.to_ascii_lowercase(),
        port,
        request_uri,
    })
}

/// `base64(SHA-256(body))`, the `body_hash` ext parameter.
pub fn body_hash(body: &[u8]) -> String {
    BASE64.encode(Sha256::digest(body))
}

/// Form-urlencodes like PHP's `urlencode`/`http_build_query`: ASCII alphanumerics and `-_.` stay,
/// space becomes `+`, every other byte `%XX` (upper-case hex).
pub fn form_urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
    out
}

/// Builds the ext string: `body_hash=...` first when the body is non-empty, then the extra
/// parameters in the order given. An empty body adds no `body_hash` at all.
pub fn build_ext(body: &[u8], params: &[(&str, &str)]) -> Result<String, Error> {
    let mut parts = Vec::with_capacity(params.len() + 1);
    if !body.is_empty() {
        parts.push(format!("body_hash={}", form_urlencode(&body_hash(body))));
    }
    for (k, v) in params {
        let (k, v) = (*k, *v);
        if k.is_empty() {
            return Err(Error::invalid_input("ext parameter with an empty name"));
        }
        if k == "body_hash" {
            return Err(Error::invalid_input(
                "ext parameter body_hash is computed from the body; do not pass it",
            ));
        }
        parts.push(format!("{}={}", form_urlencode(k), form_urlencode(v)));
    }
    Ok(parts.join("&"))
}

/// The seven newline-terminated fields that are HMAC'd.
pub fn normalized_string(
    ts: i64,
    nonce: &str,
    method: &str,
    request_uri: &str,
    host: &str,
    port: u16,
    ext: &str,
) -> String {
    let (ts, port) = (ts.to_string(), port.to_string());
    let parts = [&ts, nonce, method, request_uri, host, &port, ext];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for part in parts {
        out.push_str(part);
        out.push('\n');
    }
    out
}

fn hmac_base64(credentials: &MacCredentials, message: &str) -> String {
    let mut mac = credentials.hmac();
    mac.update(message.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

fn check_method(method: &str) -> Result<String, Error> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::invalid_input(format!(
            "HTTP method {method:?} must be letters only, e.g. GET"
        )));
    }
    Ok(method.to_ascii_uppercase())
}

fn check_nonce(nonce: &str) -> Result<(), Error> {
    if nonce.is_empty() {
        return Err(Error::invalid_input("nonce is empty"));
    }
    if let Some(c) = nonce.chars().find(|c| !is_header_safe(*c)) {
        return Err(Error::invalid_input(format!(
            "nonce contains {c:?}; allowed are printable ASCII characters except '\"' and '\\'"
        )));
    }
    Ok(())
}

/// Signs one request with everything explicit. `body` is the exact bytes that will be sent.
pub fn sign(
    credentials: &MacCredentials,
    method: &str,
    url: &str,
    body: &[u8],
    ext_params: &[(&str, &str)],
    ts: i64,
    nonce: &str,
) -> Result<Signature, Error> {
    if ts < 0 {
        return Err(Error::invalid_input(format!(
            "ts {ts} is negative; it is Unix time in seconds"
        )));
    }
    check_nonce(nonce)?;
    let method = check_method(method)?;
    let parts = url_parts(url)?;
    let ext = build_ext(body, ext_params)?;
    let normalized = normalized_string(
        ts,
        nonce,
        &method,
        parts.request_uri,
        &parts.host,
        parts.port,
        &ext,
    );
    let mac = hmac_base64(credentials, &normalized);
    let ts_text = ts.to_string();
    let mut authorization = String::with_capacity(
        48 + credentials.client_id().len() + ts_text.len() + nonce.len() + mac.len() + ext.len(),
    );
    for piece in [
        "MAC id=\"",
        credentials.client_id(),
        "\", ts=\"",
        &ts_text,
        "\", nonce=\"",
        nonce,
        "\", mac=\"",
        &mac,
        "\"",
    ] {
        authorization.push_str(piece);
    }
    if !ext.is_empty() {
        authorization.push_str(", ext=\"");
        authorization.push_str(&ext);
        authorization.push('"');
    }
    Ok(Signature {
        ts,
        nonce: nonce.to_owned(),
        normalized,
        ext,
        mac,
        authorization,
    })
}

/// Recomputes the MAC for a normalized string; for servers (the sandbox) checking a request.
/// Comparison is constant-time.
pub fn verify_mac(credentials: &MacCredentials, normalized: &str, mac_b64: &str) -> bool {
    let Ok(given) = BASE64.decode(mac_b64) else {
        return false;
    };
    let mut mac = credentials.hmac();
    mac.update(normalized.as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// Source of the current Unix time in seconds. Any `Fn() -> i64` works.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

impl<F: Fn() -> i64 + Send + Sync> Clock for F {
    fn now(&self) -> i64 {
        self()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        unix_now()
    }
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Source of nonces. Any `Fn() -> String` works.
pub trait NonceSource: Send + Sync {
    fn nonce(&self) -> String;
}

impl<F: Fn() -> String + Send + Sync> NonceSource for F {
    fn nonce(&self) -> String {
        self()
    }
}

/// 32 alphanumerics from the operating system's CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        random_alphanumeric(32)
    }
}

/// `len` characters from `[A-Za-z0-9]`, uniformly, from the OS CSPRNG.
///
/// Random bytes are drawn from the OS in blocks and kept per thread (one system call per
/// ~100 nonces instead of one each); a forked child never reuses its parent's block.
pub fn random_alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let pid = std::process::id();
    RANDOM.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.pid != pid {
            pool.used = pool.bytes.len();
            pool.pid = pid;
        }
        while out.len() < len {
            let b = pool.next_byte();
            // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
            if b < 248 {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    });
    out
}

struct RandomPool {
    bytes: [u8; 4096],
    used: usize,
    pid: u32,
}

impl RandomPool {
    fn next_byte(&mut self) -> u8 {
        if self.used == self.bytes.len() {
            getrandom::getrandom(&mut self.bytes).expect("the OS random number generator failed");
            self.used = 0;
        }
        let b = self.bytes[self.used];
        // Spent bytes are wiped so they cannot be read back later.
        self.bytes[self.used] = 0;
        self.used += 1;
        b
    }
}

thread_local! {
    static RANDOM: std::cell::RefCell<RandomPool> = const {
        std::cell::RefCell::new(RandomPool { bytes: [0; 4096], used: 4096, pid: 0 })
    };
}

/// Credentials plus a clock and a nonce source.
#[derive(Clone)]
pub struct MacSigner {
    credentials: MacCredentials,
    clock: Arc<dyn Clock>,
    nonces: Arc<dyn NonceSource>,
}

impl fmt::Debug for MacSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacSigner")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl MacSigner {
    /// A signer using the system clock and [`RandomNonce`].
    pub fn new(credentials: MacCredentials) -> Self {
        Self {
            credentials,
            clock: Arc::new(SystemClock),
            nonces: Arc::new(RandomNonce),
        }
    }

    /// Replaces the clock (tests, or a clock corrected by the server's time).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces the nonce source.
    pub fn with_nonce_source(mut self, nonces: impl NonceSource + 'static) -> Self {
        self.nonces = Arc::new(nonces);
        self
    }

    pub fn credentials(&self) -> &MacCredentials {
        &self.credentials
    }

    /// Signs with the signer's clock and a fresh nonce.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        ext_params: &[(&str, &str)],
    ) -> Result<Signature, Error> {
        let nonce = self.nonces.nonce();
        sign(
            &self.credentials,
            method,
            url,
            body,
            ext_params,
            self.clock.now(),
            &nonce,
        )
    }

    /// Signs with an explicit ts and nonce.
    pub fn sign_at(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        ext_params: &[(&str, &str)],
        ts: i64,
        nonce: &str,
    ) -> Result<Signature, Error> {
        sign(&self.credentials, method, url, body, ext_params, ts, nonce)
    }

    /// The `Authorization` header value; `ts`/`nonce` default to the clock and a fresh nonce.
    pub fn authorization(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        ext_params: &[(&str, &str)],
        ts: Option<i64>,
        nonce: Option<&str>,
    ) -> Result<String, Error> {
        let generated;
        let nonce = match nonce {
            Some(n) => n,
            None => {
                generated = self.nonces.nonce();
                &generated
            }
        };
        let ts = ts.unwrap_or_else(|| self.clock.now());
        Ok(sign(&self.credentials, method, url, body, ext_params, ts, nonce)?.authorization)
    }
}

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
        const OWS: [char; 2] = [' ', '\t'];
        let mut rest = header
            .strip_prefix("MAC ")
            .ok_or("Authorization scheme must be MAC")?;
        let (mut id, mut ts, mut nonce, mut mac, mut ext) = (None, None, None, None, None);
        loop {
            rest = rest.trim_start_matches(OWS);
            let eq = rest.find('=').ok_or_else(|| {
                format!(
                    "malformed Authorization field {:?}",
                    rest.split(',').next().unwrap_or(rest)
                )
            })?;
            let name = rest[..eq].trim_end_matches(OWS);
            let slot = match name {
                "id" => &mut id,
                "ts" => &mut ts,
                "nonce" => &mut nonce,
                "mac" => &mut mac,
                "ext" => &mut ext,
                other => return Err(format!("unknown Authorization field {other:?}")),
            };
            let quoted = rest[eq + 1..]
                .trim_start_matches(OWS)
                .strip_prefix('"')
                .ok_or_else(|| format!("Authorization field {name} must be quoted"))?;
            let close = quoted
                .find(['"', '\\'])
                .ok_or_else(|| format!("Authorization field {name} has no closing quote"))?;
            if quoted.as_bytes()[close] == b'\\' {
                return Err(format!(
                    "Authorization field {name} contains '\\', which Paysera never sends"
                ));
            }
            if slot.replace(quoted[..close].to_owned()).is_some() {
                return Err(format!("Authorization field {name} given twice"));
            }
            rest = quoted[close + 1..].trim_start_matches(OWS);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../tests/data/vectors.json");

    fn sample() -> MacCredentials {
        let v: Value = serde_json::from_str(VECTORS).unwrap();
        MacCredentials::new(
            v["client_id"].as_str().unwrap(),
            v["mac_key"].as_str().unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn reproduces_every_vector() {
        let v: Value = serde_json::from_str(VECTORS).unwrap();
        let creds = sample();
        let vectors = v["vectors"].as_array().unwrap();
        assert_eq!(vectors.len(), 6);
        for vec in vectors {
            let ext: Vec<(&str, &str)> = vec["ext_params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
                .collect();
            let sig = sign(
                &creds,
                vec["method"].as_str().unwrap(),
                vec["url"].as_str().unwrap(),
                vec["body"].as_str().unwrap().as_bytes(),
                &ext,
                vec["ts"].as_i64().unwrap(),
                vec["nonce"].as_str().unwrap(),
            )
            .unwrap();
            let what = vec["what"].as_str().unwrap();
            assert_eq!(sig.ext, vec["expected_ext"].as_str().unwrap(), "{what}");
            assert_eq!(sig.mac, vec["expected_mac"].as_str().unwrap(), "{what}");
            assert_eq!(
                sig.authorization,
                vec["expected_authorization"].as_str().unwrap(),
                "{what}"
            );
            assert!(verify_mac(&creds, &sig.normalized, &sig.mac));
        }
        for ex in v["body_hash_examples"].as_array().unwrap() {
            assert_eq!(
                body_hash(ex["body"].as_str().unwrap().as_bytes()),
                ex["body_hash"].as_str().unwrap()
            );
        }
    }

    #[test]
    fn normalized_string_has_seven_terminated_lines() {
        let sig = sign(
            &sample(),
            "get",
            "https://Wallet.Paysera.com/rest/v1/server",
            b"",
            &[],
            1,
            "n",
        )
        .unwrap();
        assert_eq!(
            sig.normalized,
            "1\nn\nGET\n/rest/v1/server\nwallet.paysera.com\n443\n\n"
        );
    }

    #[test]
    fn explicit_port_and_http_default_port() {
        let p = url_parts("https://example.com:8443/a").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.request_uri),
            ("example.com", 8443, "/a")
        );
        let p = url_parts("http://127.0.0.1/rest/v1/spots").unwrap();
        assert_eq!(p.port, 80);
        let p = url_parts("HTTP://LOCALHOST:3000").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.request_uri),
            ("localhost", 3000, "/")
        );
        let p = url_parts("http://[::1]:9000/x?y#frag").unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.request_uri),
            ("[::1]", 9000, "/x?y")
        );
        let sig = sign(&sample(), "GET", "http://h:8080/p", b"", &[], 5, "n").unwrap();
        assert_eq!(sig.normalized, "5\nn\nGET\n/p\nh\n8080\n\n");
    }

    #[test]
    fn query_is_signed_byte_for_byte() {
        let url = "https://h/rest/v1/transactions?status=reserved%2Cconfirmed&b=%2f&a=1+2";
        let sig = sign(&sample(), "GET", url, b"", &[], 5, "n").unwrap();
        assert!(
            sig.normalized
                .contains("\n/rest/v1/transactions?status=reserved%2Cconfirmed&b=%2f&a=1+2\n")
        );
        // A different but "equivalent" encoding must give a different MAC.
        let other = sign(
            &sample(),
            "GET",
            "https://h/rest/v1/transactions?status=reserved,confirmed&b=%2F&a=1+2",
            b"",
            &[],
            5,
            "n",
        )
        .unwrap();
        assert_ne!(sig.mac, other.mac);
    }

    #[test]
    fn ext_params_with_and_without_body() {
        let ext = [("project_id", "123"), ("location_id", "a b/c=d+e")];
        let sig = sign(&sample(), "GET", "https://h/x", b"", &ext, 5, "n").unwrap();
        assert_eq!(sig.ext, "project_id=123&location_id=a+b%2Fc%3Dd%2Be");
        assert!(
            sig.authorization
                .ends_with(", ext=\"project_id=123&location_id=a+b%2Fc%3Dd%2Be\"")
        );
        let sig = sign(&sample(), "POST", "https://h/x", b"{}", &ext, 5, "n").unwrap();
        assert_eq!(
            sig.ext,
            format!(
                "body_hash={}&project_id=123&location_id=a+b%2Fc%3Dd%2Be",
                form_urlencode(&body_hash(b"{}"))
            )
        );
    }

    #[test]
    fn empty_body_has_no_body_hash() {
        let sig = sign(&sample(), "PUT", "https://h/x", b"", &[], 5, "n").unwrap();
        assert_eq!(sig.ext, "");
        assert!(!sig.authorization.contains("ext="));
        assert!(sig.normalized.ends_with("\n443\n\n"));
    }

    #[test]
    fn non_ascii_body_hashes_its_utf8_bytes() {
        let body = "{\"description\":\"Užsakymas Nr. 5 – kava ☕\"}";
        let sig = sign(
            &sample(),
            "POST",
            "https://h/x",
            body.as_bytes(),
            &[],
            5,
            "n",
        )
        .unwrap();
        assert_eq!(
            sig.ext,
            format!("body_hash={}", form_urlencode(&body_hash(body.as_bytes())))
        );
        assert_eq!(body_hash(body.as_bytes()).len(), 44);
        assert_ne!(
            body_hash(body.as_bytes()),
            body_hash(b"{\"description\":\"Uzsakymas\"}")
        );
    }

    #[test]
    fn rejects_bad_input_with_reasons() {
        let c = sample();
        let err = |m: &str, u: &str, n: &str, ts: i64| {
            sign(&c, m, u, b"", &[], ts, n).unwrap_err().to_string()
        };
        assert!(err("GET", "wallet.paysera.com/x", "n", 1).contains("absolute URL"));
        assert!(err("GET", "ftp://h/x", "n", 1).contains("scheme"));
        assert!(err("GET", "https://h:abc/x", "n", 1).contains("port"));
        assert!(err("GET", "https://h:99999/x", "n", 1).contains("out of range"));
        assert!(err("GET", "https:///x", "n", 1).contains("host is empty"));
        assert!(err("GET", "https://h/a b", "n", 1).contains("encode it"));
        assert!(err("GET", "https://h/x", "a\"b", 1).contains("nonce"));
        assert!(err("GET", "https://h/x", "", 1).contains("nonce is empty"));
        assert!(err("G T", "https://h/x", "n", 1).contains("method"));
        assert!(err("GET", "https://h/x", "n", -1).contains("negative"));
        assert!(
            sign(&c, "GET", "https://h/x", b"", &[("body_hash", "x")], 1, "n")
                .unwrap_err()
                .to_string()
                .contains("body_hash")
        );
        assert!(MacCredentials::new("", "k").is_err());
        assert!(MacCredentials::new("id", "").is_err());
        assert!(MacCredentials::new("i\"d", "k").is_err());
    }

    #[test]
    fn default_nonce_and_clock() {
        let signer = MacSigner::new(sample());
        let a = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
        let b = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
        assert_eq!(a.nonce.len(), 32);
        assert!(a.nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a.nonce, b.nonce);
        assert!((a.ts - unix_now()).abs() <= 2);

        let fixed = MacSigner::new(sample())
            .with_clock(|| 1343811600)
            .with_nonce_source(|| "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN".to_owned());
        let auth = fixed
            .authorization(
                "GET",
                "https://wallet.paysera.com/rest/v1/spots?status=waiting",
                b"",
                &[],
                None,
                None,
            )
            .unwrap();
        assert!(auth.contains("irSg0m2b8N87EIhAENNkP+2O3E2x0KkddoTMSOEmHt8="));
    }

    #[test]
    fn nonces_are_unique_and_uniform() {
        let nonces: std::collections::HashSet<String> =
            (0..10_000).map(|_| random_alphanumeric(32)).collect();
        assert_eq!(nonces.len(), 10_000);
        let mut counts = std::collections::HashMap::new();
        for c in nonces.iter().flat_map(|n| n.chars()) {
            assert!(c.is_ascii_alphanumeric());
            *counts.entry(c).or_insert(0u32) += 1;
        }
        // 320,000 draws over 62 symbols: about 5,161 each.
        assert_eq!(counts.len(), 62);
        assert!(
            counts.values().all(|n| (4_600..5_700).contains(n)),
            "{counts:?}"
        );
    }

    #[test]
    fn secrets_never_in_debug() {
        let c = sample();
        let signer = MacSigner::new(c.clone());
        let sig = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
        for s in [format!("{c:?}"), format!("{signer:?}"), format!("{sig:?}")] {
            assert!(!s.contains("IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"), "{s}");
            assert!(!s.contains(&sig.mac), "{s}");
        }
    }

    #[test]
    fn parses_authorization_header() {
        let h = MacHeader::parse(
            "MAC id=\"wkVd93h2uS\", ts=\"1\", nonce=\"n\", mac=\"m\", ext=\"body_hash=x\"",
        )
        .unwrap();
        assert_eq!(h.id, "wkVd93h2uS");
        assert_eq!(h.ext.as_deref(), Some("body_hash=x"));
        assert!(MacHeader::parse("Bearer x").is_err());
        assert!(MacHeader::parse("MAC id=\"a\", ts=\"1\", nonce=\"n\"").is_err());
    }

    #[test]
    fn header_values_may_hold_commas_equals_and_spaces() {
        let h = MacHeader::parse(
            "MAC id=\"i\",ts=\"1\" ,  nonce=\", =a, b=\",\tmac=\"m=\", ext=\"body_hash=x%3D\"",
        )
        .unwrap();
        assert_eq!(
            (
                h.id.as_str(),
                h.ts.as_str(),
                h.nonce.as_str(),
                h.mac.as_str()
            ),
            ("i", "1", ", =a, b=", "m=")
        );
        assert_eq!(h.ext.as_deref(), Some("body_hash=x%3D"));
        // Edges of the charset: space and '!' are the lowest, '~' the highest.
        let h = MacHeader::parse("MAC id=\"i\", ts=\"1\", nonce=\" !~,\", mac=\"m\"").unwrap();
        assert_eq!(h.nonce, " !~,");
    }

    #[test]
    fn malformed_headers_are_rejected_with_reasons() {
        let err = |h: &str| MacHeader::parse(h).unwrap_err();
        let ok = "MAC id=\"i\", ts=\"1\", nonce=\"n\", mac=\"m\"";
        assert!(MacHeader::parse(ok).is_ok());
        assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"n, mac=\"m\"").contains("followed by"));
        assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"n").contains("closing quote"));
        assert!(err("MAC id=\"i\", ts=1, nonce=\"n\", mac=\"m\"").contains("quoted"));
        assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"a\\\"b\", mac=\"m\"").contains("'\\'"));
        assert!(err(&format!("{ok}, id=\"j\"")).contains("twice"));
        assert!(err(&format!("{ok}, foo=\"j\"")).contains("unknown"));
        assert!(err(&format!("{ok},")).contains("malformed"));
        assert!(err(&format!("{ok} x")).contains("followed by"));
        assert!(err("MAC ").contains("malformed"));
        assert!(err("MAC").contains("scheme"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Paysera's nonce charset: printable ASCII except '"' and '\'.
        fn nonce() -> impl Strategy<Value = String> {
            let charset: Vec<char> = (' '..='~').filter(|c| !matches!(c, '"' | '\\')).collect();
            prop::collection::vec(prop::sample::select(charset), 1..64)
                .prop_map(|cs| cs.into_iter().collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn any_nonce_signs_parses_and_verifies(
                nonce in nonce(),
                ts in 0i64..4_000_000_000,
                body in prop::option::of("[ -~]{0,40}"),
                ext in prop::option::of(("[a-z_]{1,12}", "[ -~]{0,20}")),
            ) {
                let creds = sample();
                let body = body.unwrap_or_default();
                let ext_params: Vec<(&str, &str)> =
                    ext.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                prop_assume!(ext_params.iter().all(|(k, _)| *k != "body_hash"));
                let sig = sign(&creds, "POST", "https://h/rest/v1/x?a=1", body.as_bytes(),
                    &ext_params, ts, &nonce).unwrap();
                let h = MacHeader::parse(&sig.authorization).unwrap();
                prop_assert_eq!(&h.nonce, &nonce);
                prop_assert_eq!(h.ts, ts.to_string());
                prop_assert_eq!(h.id, creds.client_id());
                prop_assert_eq!(h.ext.unwrap_or_default(), sig.ext.clone());
                let normalized = normalized_string(ts, &h.nonce, "POST", "/rest/v1/x?a=1", "h",
                    443, &sig.ext);
                prop_assert!(verify_mac(&creds, &normalized, &h.mac));
            }

            #[test]
            fn parse_never_panics(header in "MAC [ -~]{0,80}") {
                let _ = MacHeader::parse(&header);
            }
        }
    }
}
