//! Paysera callbacks: verify `sign` (base64 RSA PKCS#1 v1.5 / SHA-256) over the raw `event`
//! string with Paysera's public key (`GET /publickey`).
//!
//! Verify the bytes exactly as received (after form-decoding the POST body), never re-serialized
//! JSON: any change in whitespace or key order breaks the signature.
//!
//! Keys are parsed (and their errors explained) with the `rsa` crate. Signatures with keys of
//! 2048 to 8192 bits (Paysera's sandbox key is 2048) are made and checked with `ring`, whose
//! assembly RSA signs a callback about 3x and verifies it about 2.5x faster (BENCHMARKS.md,
//! "Efficiency against the limit"); other sizes with the `rsa` crate, so that no key Paysera
//! might serve is refused.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::sync::Arc;

use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs1v15::{Signature as RsaSignature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;

use crate::encoding::{self, PercentError};
use crate::error::Error;
use crate::models::CallbackEvent;

/// A parsed Paysera public key, reusable for many callbacks.
#[derive(Debug, Clone)]
pub struct CallbackVerifier {
    key: PublicKey,
}

#[derive(Debug, Clone)]
enum PublicKey {
    /// PKCS#1 `RSAPublicKey` DER of a key `ring` takes (2048 to 8192 bits, exponent of at most
    /// 33 bits).
    Fast(UnparsedPublicKey<Vec<u8>>),
    /// Any other.
    Other(VerifyingKey<Sha256>),
}

/// The modulus sizes `ring` signs and verifies with.
const FAST_BITS: std::ops::RangeInclusive<u32> = 2048..=8192;

impl CallbackVerifier {
    /// Accepts `-----BEGIN PUBLIC KEY-----` (SPKI, what `/publickey` serves) and
    /// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let pem = pem.trim();
        let key = if pem.contains("BEGIN RSA PUBLIC KEY") {
            rsa::PublicKey::from_pkcs1_pem(pem).map_err(|e| {
                Error::invalid_input(format!("public key is not a valid PKCS#1 RSA PEM: {e}"))
            })?
        } else if pem.contains("BEGIN PUBLIC KEY") {
            rsa::PublicKey::from_public_key_pem(pem).map_err(|e| {
                Error::invalid_input(format!("public key is not a valid RSA SPKI PEM: {e}"))
            })?
        } else {
            return Err(Error::invalid_input(
                "public key must be PEM text starting with -----BEGIN PUBLIC KEY-----",
            ));
        };
        // `ring` also wants a public exponent of at most 33 bits (65537 is usual).
        if !FAST_BITS.contains(&key.n().bit_width()) || key.e().bit_width() > 33 {
            return Ok(Self {
                key: PublicKey::Other(VerifyingKey::new(key)),
            });
        }
        let der = key.to_pkcs1_der().map_err(|e| {
            Error::invalid_input(format!("public key cannot be encoded as PKCS#1: {e}"))
        })?;
        Ok(Self {
            key: PublicKey::Fast(UnparsedPublicKey::new(
                &RSA_PKCS1_2048_8192_SHA256,
                der.as_bytes().to_vec(),
            )),
        })
    }

    /// True when `sign` is a valid signature of exactly these `event` bytes. A `sign` that is not
    /// base64 or has the wrong length is simply invalid (it comes from the network).
    pub fn verify(&self, event: &[u8], sign: &str) -> bool {
        let Ok(raw) = BASE64.decode(sign.trim()) else {
            return false;
        };
        match &self.key {
            PublicKey::Fast(key) => key.verify(event, &raw).is_ok(),
            PublicKey::Other(key) => RsaSignature::try_from(raw.as_slice())
                .is_ok_and(|sig| key.verify(event, &sig).is_ok()),
        }
    }

    /// Verifies, then decodes the event JSON. Errors say whether the signature or the JSON failed.
    pub fn verify_event(&self, event: &[u8], sign: &str) -> Result<CallbackEvent, Error> {
        if !self.verify(event, sign) {
            return Err(Error::invalid_input(
                "callback signature does not match the event (wrong key, or the event was altered)",
            ));
        }
        serde_json::from_slice(event).map_err(|e| {
            Error::invalid_input(format!(
                "callback event is signed but is not valid JSON: {e}"
            ))
        })
    }
}

/// One-shot verification: `Ok(true)` valid, `Ok(false)` invalid signature, `Err` only for an
/// unusable public key.
pub fn verify_callback(event: &[u8], sign: &str, public_key_pem: &str) -> Result<bool, Error> {
    Ok(CallbackVerifier::from_pem(public_key_pem)?.verify(event, sign))
}

/// The `event` and `sign` fields of a callback POST body (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackForm {
    /// The form-decoded `event` value: the exact bytes that were signed.
    pub event: Vec<u8>,
    pub sign: String,
}

impl CallbackForm {
    /// Parses a raw form body. Missing or repeated fields and bad percent-encoding are errors.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let (mut event, mut sign) = (None, None);
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let mut kv = pair.splitn(2, |&b| b == b'=');
            let name = form_decode(kv.next().unwrap_or_default())?;
            let value = form_decode(kv.next().unwrap_or_default())?;
            let slot = match name.as_slice() {
                b"event" => &mut event,
                b"sign" => &mut sign,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(Error::invalid_input(format!(
                    "callback field {} appears twice",
                    String::from_utf8_lossy(&name)
                )));
            }
        }
        let event = event.ok_or_else(|| Error::invalid_input("callback has no event field"))?;
        let sign = sign.ok_or_else(|| Error::invalid_input("callback has no sign field"))?;
        let sign = String::from_utf8(sign)
            .map_err(|_| Error::invalid_input("callback sign field is not text"))?;
        Ok(Self { event, sign })
    }
}

/// Decodes `application/x-www-form-urlencoded` bytes (`+` is a space).
pub fn form_decode(input: &[u8]) -> Result<Vec<u8>, Error> {
    encoding::form_decode(input).map_err(|e| match e {
        PercentError::Truncated { .. } => {
            Error::invalid_input("truncated percent-escape in form data")
        }
        PercentError::BadHex { at } => {
            let s = std::str::from_utf8(&input[at + 1..at + 3]).unwrap_or("zz");
            Error::invalid_input(format!("bad percent-escape %{s} in form data"))
        }
    })
}

/// Signs an event the way Paysera does; for simulators and for testing your callback endpoint.
/// Takes a PKCS#8 (`BEGIN PRIVATE KEY`) PEM.
#[derive(Clone)]
pub struct CallbackSigner {
    key: PrivateKey,
}

#[derive(Clone)]
enum PrivateKey {
    /// A key `ring` takes (2048 to 8192 bits, two primes).
    Fast(Arc<RsaKeyPair>, ring::rand::SystemRandom),
    /// Any other.
    Other(Box<SigningKey<Sha256>>),
}

impl std::fmt::Debug for CallbackSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackSigner(<private key redacted>)")
    }
}

impl CallbackSigner {
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, Error> {
        let key = rsa::PrivateKey::from_pkcs8_pem(pem.trim()).map_err(|e| {
            Error::invalid_input(format!("private key is not a valid PKCS#8 RSA PEM: {e}"))
        })?;
        let der = key.to_pkcs8_der().map_err(|e| {
            Error::invalid_input(format!("private key cannot be encoded as PKCS#8: {e}"))
        })?;
        let key = match RsaKeyPair::from_pkcs8(der.as_bytes()) {
            Ok(fast) => PrivateKey::Fast(Arc::new(fast), ring::rand::SystemRandom::new()),
            Err(_) => PrivateKey::Other(Box::new(SigningKey::new(key))),
        };
        Ok(Self { key })
    }

    /// base64 signature of `event`.
    pub fn sign(&self, event: &[u8]) -> String {
        match &self.key {
            PrivateKey::Fast(key, random) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, random, event, &mut signature)
                    .expect("RSA PKCS#1 v1.5 signing fails only on a wrong output length");
                BASE64.encode(signature)
            }
            PrivateKey::Other(key) => BASE64.encode(key.sign(event).to_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::Generate;
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    fn keypair() -> (String, String) {
        let private = rsa::PrivateKey::generate();
        let public = private.to_public_key();
        (
            private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public.to_public_key_pem(LineEnding::LF).unwrap(),
        )
    }

    #[test]
    fn verifies_what_the_key_signed_and_nothing_else() {
        let (private, public) = keypair();
        let signer = CallbackSigner::from_pkcs8_pem(&private).unwrap();
        let event = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"K","status":"reserved"}}"#;
        let sign = signer.sign(event);
        assert!(verify_callback(event, &sign, &public).unwrap());

        // Same JSON, different bytes: must fail (verify raw bytes, not re-serialized JSON).
        let reformatted = br#"{"type": "reserved","object":"transaction","data":{"transaction_key":"K","status":"reserved"}}"#;
        assert!(!verify_callback(reformatted, &sign, &public).unwrap());
        assert!(!verify_callback(event, "not base64!!", &public).unwrap());
        assert!(!verify_callback(event, "AAAA", &public).unwrap());

        let (_, other_public) = keypair();
        assert!(!verify_callback(event, &sign, &other_public).unwrap());

        let verifier = CallbackVerifier::from_pem(&public).unwrap();
        let parsed = verifier.verify_event(event, &sign).unwrap();
        assert_eq!(parsed.event_type, "reserved");
        assert_eq!(parsed.data.unwrap().transaction_key, "K");
        assert!(verifier.verify_event(reformatted, &sign).is_err());
    }

    #[test]
    fn accepts_pkcs1_public_keys() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        let private = rsa::PrivateKey::generate();
        let pem = private
            .to_public_key()
            .to_pkcs1_pem(LineEnding::LF)
            .unwrap();
        let signer =
            CallbackSigner::from_pkcs8_pem(&private.to_pkcs8_pem(LineEnding::LF).unwrap()).unwrap();
        assert!(verify_callback(b"x", &signer.sign(b"x"), &pem).unwrap());
    }

    #[test]
    fn bad_keys_are_errors_with_reasons() {
        let err = verify_callback(b"x", "AAAA", "hello").unwrap_err();
        assert!(err.to_string().contains("BEGIN PUBLIC KEY"), "{err}");
        let err = verify_callback(
            b"x",
            "AAAA",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a valid"), "{err}");
    }

    #[test]
    fn keys_outside_what_ring_takes_still_work() {
        // A 1024-bit key (the `rsa` crate's path): signed, verified, and a forgery refused.
        let signer =
            CallbackSigner::from_pkcs8_pem(include_str!("../tests/data/test_private_key_1024.pem"))
                .unwrap();
        let public = include_str!("../tests/data/test_public_key_1024.pem");
        let verifier = CallbackVerifier::from_pem(public).unwrap();
        assert!(matches!(verifier.key, PublicKey::Other(_)));
        let event = br#"{"type":"reserved"}"#;
        let sign = signer.sign(event);
        assert!(verifier.verify(event, &sign));
        assert!(!verifier.verify(br#"{"type":"confirmed"}"#, &sign));
        assert!(!verifier.verify(event, "AAAA"));
        // A 2048-bit key takes the fast path, and signs the same as the `rsa` crate would.
        let (private, public) = keypair();
        assert!(matches!(
            CallbackVerifier::from_pem(&public).unwrap().key,
            PublicKey::Fast(_)
        ));
        assert!(matches!(
            CallbackSigner::from_pkcs8_pem(&private).unwrap().key,
            PrivateKey::Fast(..)
        ));
    }

    #[test]
    fn signatures_are_the_deterministic_pkcs1_v15_ones() {
        // PKCS#1 v1.5 is deterministic: the same key and event always give the same signature,
        // the one the `rsa` crate (the previous implementation) computes.
        use rsa::pkcs1v15::SigningKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let private = rsa::PrivateKey::generate();
        let pem = private.to_pkcs8_pem(LineEnding::LF).unwrap();
        let event = br#"{"type":"reserved"}"#;
        let reference = SigningKey::<rsa::sha2::Sha256>::new(private).sign(event);
        let signer = CallbackSigner::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(signer.sign(event), BASE64.encode(reference.to_bytes()));
        assert_eq!(signer.sign(event), signer.sign(event));
        assert_eq!(
            format!("{signer:?}"),
            "CallbackSigner(<private key redacted>)"
        );
    }

    #[test]
    fn parses_form_bodies() {
        let form =
            CallbackForm::parse(b"event=%7B%22type%22%3A%22reserved%22%7D&sign=ab%2Bc%3D&x=1")
                .unwrap();
        assert_eq!(form.event, br#"{"type":"reserved"}"#);
        assert_eq!(form.sign, "ab+c=");
        assert!(CallbackForm::parse(b"event=x").is_err());
        assert!(CallbackForm::parse(b"event=x&sign=a&sign=b").is_err());
        assert!(CallbackForm::parse(b"event=%zz&sign=a").is_err());
        assert!(CallbackForm::parse(b"event=%4&sign=a").is_err());
    }
}
