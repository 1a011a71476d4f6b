//! `MacSigner`: Paysera's MAC access authentication.

use napi::bindgen_prelude::{Buffer, Either, PromiseRaw};
use napi::{Env, Result};
use napi_derive::napi;
use paysera_scanpay::{MacCredentials, MacSigner as CoreSigner};

use crate::{convert, error};

/// Extra ext parameters as `[key, value]` pairs (the facade turns an object into these).
fn pairs(ext: &Option<Vec<Vec<String>>>) -> Result<Vec<(&str, &str)>> {
    ext.iter()
        .flatten()
        .map(|pair| match pair.as_slice() {
            [k, v] => Ok((k.as_str(), v.as_str())),
            _ => Err(error::invalid_input(
                "each ext entry must be a [key, value] pair",
            )),
        })
        .collect()
}

/// Everything one signature produced.
#[napi(object)]
pub struct SignatureDetails {
    pub ts: i64,
    pub nonce: String,
    /// The seven newline-terminated lines that were HMAC'd.
    pub normalized: String,
    pub ext: String,
    pub mac: String,
    pub authorization: String,
}

/// One request of a batch.
#[napi(object)]
pub struct SignInput {
    pub method: String,
    pub url: String,
    pub body: Option<Either<String, Buffer>>,
    pub ext: Option<Vec<Vec<String>>>,
    pub ts: Option<i64>,
    pub nonce: Option<String>,
}

#[napi]
pub struct MacSigner {
    inner: CoreSigner,
}

#[napi]
impl MacSigner {
    #[napi(constructor)]
    pub fn new(client_id: String, mac_key: String) -> Result<Self> {
        let credentials = MacCredentials::new(client_id, mac_key).map_err(error::core)?;
        Ok(Self {
            inner: CoreSigner::new(credentials),
        })
    }

    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.credentials().client_id().to_owned()
    }

    /// The `Authorization` header value; `ts` and `nonce` default to now and a fresh nonce.
    #[napi]
    pub fn authorization(
        &self,
        method: String,
        url: String,
        body: Option<Either<String, Buffer>>,
        ext: Option<Vec<Vec<String>>>,
        ts: Option<i64>,
        nonce: Option<String>,
    ) -> Result<String> {
        let body = convert::bytes(body);
        self.inner
            .authorization(&method, &url, &body, &pairs(&ext)?, ts, nonce.as_deref())
            .map_err(error::core)
    }

    /// The signature with its intermediate values; `ts` and `nonce` go together.
    #[napi]
    pub fn sign(
        &self,
        method: String,
        url: String,
        body: Option<Either<String, Buffer>>,
        ext: Option<Vec<Vec<String>>>,
        ts: Option<i64>,
        nonce: Option<String>,
    ) -> Result<SignatureDetails> {
        let (body, ext) = (convert::bytes(body), pairs(&ext)?);
        let sig = match (ts, nonce) {
            (Some(ts), Some(nonce)) => self.inner.sign_at(&method, &url, &body, &ext, ts, &nonce),
            (None, None) => self.inner.sign(&method, &url, &body, &ext),
            _ => return Err(error::invalid_input("give both ts and nonce, or neither")),
        }
        .map_err(error::core)?;
        Ok(SignatureDetails {
            ts: sig.ts,
            nonce: sig.nonce,
            normalized: sig.normalized,
            ext: sig.ext,
            mac: sig.mac,
            authorization: sig.authorization,
        })
    }

    /// Many `Authorization` values in one crossing, computed off the JavaScript thread.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn authorization_batch<'env>(
        &self,
        env: &'env Env,
        requests: Vec<SignInput>,
    ) -> Result<PromiseRaw<'env, Vec<String>>> {
        let owned: Vec<_> = requests
            .into_iter()
            .map(|r| {
                (
                    r.method,
                    r.url,
                    convert::bytes(r.body),
                    r.ext,
                    r.ts,
                    r.nonce,
                )
            })
            .collect();
        let signer = self.inner.clone();
        env.spawn_future(async move {
            owned
                .iter()
                .map(|(method, url, body, ext, ts, nonce)| {
                    signer
                        .authorization(method, url, body, &pairs(ext)?, *ts, nonce.as_deref())
                        .map_err(error::core)
                })
                .collect()
        })
    }
}
