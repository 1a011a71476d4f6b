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

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::clock::unix_now;
pub use crate::encoding::form_urlencode;
use crate::encoding::form_urlencode_into;
use crate::error::Error;
pub use header::MacHeader;
pub use nonce::random_alphanumeric;

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
    // ASCII (every URL a client sends) is checked byte by byte; anything else char by char, for
    // Unicode's spaces and controls.
    let unsafe_char = if url.is_ascii() {
        url.bytes()
            .find(|b| *b <= b' ' || *b == 0x7f)
            .map(char::from)
    } else {
        url.chars().find(|c| c.is_whitespace() || c.is_control())
    };
    if let Some(c) = unsafe_char {
        return Err(bad(&format!(
            "contains {c:?}; encode it before signing, the URL is signed byte for byte"
        )));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("not an absolute URL (expected https://host/path)"))?;
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        443
    } else if scheme.eq_ignore_ascii_case("http") {
        80
    } else {
        return Err(bad("scheme must be http or https"));
    };
    let authority_end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
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
    let without_fragment = tail.split_once('#').map_or(tail, |(before, _)| before);
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

/// Builds the ext string: `body_hash=...` first when the body is non-empty, then the extra
/// parameters in the order given. An empty body adds no `body_hash` at all.
pub fn build_ext(body: &[u8], params: &[(&str, &str)]) -> Result<String, Error> {
    let mut ext = String::with_capacity(
        if body.is_empty() { 0 } else { 64 }
            + params
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>(),
    );
    if !body.is_empty() {
        let mut hash = [0u8; 44];
        let n = BASE64
            .encode_slice(Sha256::digest(body), &mut hash)
            .expect("a SHA-256 digest is 44 base64 characters");
        ext.push_str("body_hash=");
        form_urlencode_into(
            &mut ext,
            std::str::from_utf8(&hash[..n]).expect("base64 is ASCII"),
        );
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
        if !ext.is_empty() {
            ext.push('&');
        }
        form_urlencode_into(&mut ext, k);
        ext.push('=');
        form_urlencode_into(&mut ext, v);
    }
    Ok(ext)
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
    let mut out = String::with_capacity(
        20 + nonce.len() + method.len() + request_uri.len() + host.len() + 6 + ext.len() + 7,
    );
    push_int(&mut out, ts);
    for part in [nonce, method, request_uri, host] {
        out.push('\n');
        out.push_str(part);
    }
    out.push('\n');
    push_int(&mut out, i64::from(port));
    out.push('\n');
    out.push_str(ext);
    out.push('\n');
    out
}

/// Appends `n` in decimal (what `to_string` gives, without its allocation).
fn push_int(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&digits[at..]).expect("digits are ASCII"));
}

fn check_method(method: &str) -> Result<Cow<'_, str>, Error> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::invalid_input(format!(
            "HTTP method {method:?} must be letters only, e.g. GET"
        )));
    }
    Ok(if method.bytes().all(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(method)
    } else {
        Cow::Owned(method.to_ascii_uppercase())
    })
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
    let signed = Signed::new(credentials, method, url, body, ext_params, ts, nonce)?;
    Ok(Signature {
        ts,
        nonce: nonce.to_owned(),
        authorization: signed.authorization(credentials, ts, nonce),
        mac: signed.mac().to_owned(),
        normalized: signed.normalized,
        ext: signed.ext,
    })
}

/// What one signature computes, with the MAC kept on the stack: [`sign`] and
/// [`MacSigner::authorization`] share it, the latter without building a [`Signature`].
struct Signed {
    normalized: String,
    ext: String,
    mac: [u8; 44],
}

impl Signed {
    fn new(
        credentials: &MacCredentials,
        method: &str,
        url: &str,
        body: &[u8],
        ext_params: &[(&str, &str)],
        ts: i64,
        nonce: &str,
    ) -> Result<Self, Error> {
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
        let mut hmac = credentials.hmac();
        hmac.update(normalized.as_bytes());
        let mut mac = [0u8; 44];
        BASE64
            .encode_slice(hmac.finalize().into_bytes(), &mut mac)
            .expect("an HMAC-SHA256 is 44 base64 characters");
        Ok(Self {
            normalized,
            ext,
            mac,
        })
    }

    fn mac(&self) -> &str {
        std::str::from_utf8(&self.mac).expect("base64 is ASCII")
    }

    /// `MAC id="..", ts="..", nonce="..", mac=".."[, ext=".."]`.
    fn authorization(&self, credentials: &MacCredentials, ts: i64, nonce: &str) -> String {
        let id = credentials.client_id();
        let mut out =
            String::with_capacity(60 + id.len() + nonce.len() + self.mac.len() + self.ext.len());
        out.push_str("MAC id=\"");
        out.push_str(id);
        out.push_str("\", ts=\"");
        push_int(&mut out, ts);
        out.push_str("\", nonce=\"");
        out.push_str(nonce);
        out.push_str("\", mac=\"");
        out.push_str(self.mac());
        out.push('"');
        if !self.ext.is_empty() {
            out.push_str(", ext=\"");
            out.push_str(&self.ext);
            out.push('"');
        }
        out
    }
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
        let signed = Signed::new(&self.credentials, method, url, body, ext_params, ts, nonce)?;
        Ok(signed.authorization(&self.credentials, ts, nonce))
    }
}

mod header;
mod nonce;
#[cfg(test)]
mod tests;
