//! `MacSigner`: Paysera's MAC access authentication.

use std::borrow::Cow;
use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::{Buffer, Either, PromiseRaw, Unknown};
use napi::{Env, JsError, Result, sys};
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

    /// This signer for [`fast_authorization`]: an external value only that function reads.
    #[napi(ts_return_type = "unknown")]
    pub fn handle<'env>(&self, env: &'env Env) -> Result<Unknown<'env>> {
        let handle = Box::into_raw(Box::new(Handle {
            magic: Handle::MAGIC,
            signer: self.inner.clone(),
        }));
        let mut value = ptr::null_mut();
        // SAFETY: the box is freed by `free_handle` when the external is collected.
        let status = unsafe {
            sys::napi_create_external(
                env.raw(),
                handle.cast(),
                Some(free_handle),
                ptr::null_mut(),
                &mut value,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(handle) });
            return Err(napi::Error::new(
                napi::Status::from(status),
                "paysera-scanpay: napi_create_external failed",
            ));
        }
        // SAFETY: a value just made in this environment.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
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

/// The signer behind a [`MacSigner::handle`].
struct Handle {
    /// Tells our externals from anyone else's.
    magic: u64,
    signer: CoreSigner,
}

impl Handle {
    const MAGIC: u64 = 0x7061_7973_6572_6131;
}

unsafe extern "C" fn free_handle(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: made by `Box::into_raw` in `MacSigner::handle`, finalized once.
    drop(unsafe { Box::from_raw(data as *mut Handle) });
}

/// `(handle, method, url, body?, ts?, nonce?) => string | undefined`: `MacSigner.authorization`
/// without napi-rs's argument machinery, for the facade's common case (no ext parameters).
///
/// A signature is short enough that its crossing into Rust was a third of it: each string
/// argument measured and then copied into a fresh `String`, the class instance's borrow
/// bookkeeping, the header decoded back from UTF-8. Here the arguments are read straight into
/// stack buffers and the ASCII header is returned as a one-byte (latin1) string. Any argument
/// of another type gives `undefined`, and the facade then takes the ordinary path, which
/// reports it as before. Errors from the core are thrown as the ordinary path throws them.
#[napi(
    ts_return_type = "(handle: unknown, method: string, url: string, body?: string | Buffer | null, ts?: number | null, nonce?: string | null) => string | undefined"
)]
pub fn fast_authorization(env: &Env) -> Result<Unknown<'_>> {
    let name = "fastAuthorization";
    let mut value = ptr::null_mut();
    // SAFETY: a plain function made in this environment.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            name.as_ptr().cast(),
            name.len() as isize,
            Some(fast_authorization_cb),
            ptr::null_mut(),
            &mut value,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::new(
            napi::Status::from(status),
            "paysera-scanpay: napi_create_function failed",
        ));
    }
    // SAFETY: a value just made in this environment.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// Room for a typical method, URL and body without touching the heap.
const STACK_STR: usize = 512;

/// Left uninitialized: N-API writes what is read.
type StackBuf = [std::mem::MaybeUninit<u8>; STACK_STR];

fn type_of(env: sys::napi_env, value: sys::napi_value) -> Option<sys::napi_valuetype> {
    let mut t = 0;
    // SAFETY: reads the type of a value of this call.
    (unsafe { sys::napi_typeof(env, value, &mut t) } == sys::Status::napi_ok).then_some(t)
}

/// A JavaScript string's UTF-8, in `buf` when it fits.
fn read_str<'b>(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &'b mut StackBuf,
) -> Option<Cow<'b, str>> {
    let mut len = 0;
    // SAFETY: writes at most `STACK_STR` bytes (with the terminating NUL) into `buf`.
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), STACK_STR, &mut len)
    };
    if status != sys::Status::napi_ok {
        return None;
    }
    if len < STACK_STR - 1 {
        // SAFETY: N-API wrote `len` bytes.
        let written = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) };
        return std::str::from_utf8(written).ok().map(Cow::Borrowed);
    }
    // Perhaps cut short: measure, then copy whole.
    // SAFETY: as above, with a buffer of the measured length plus the NUL.
    unsafe {
        if sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len)
            != sys::Status::napi_ok
        {
            return None;
        }
        let mut heap = vec![0u8; len + 1];
        if sys::napi_get_value_string_utf8(env, value, heap.as_mut_ptr().cast(), len + 1, &mut len)
            != sys::Status::napi_ok
        {
            return None;
        }
        heap.truncate(len);
        String::from_utf8(heap).ok().map(Cow::Owned)
    }
}

/// The bytes of a Buffer argument.
fn read_buffer<'v>(env: sys::napi_env, value: sys::napi_value) -> Option<&'v [u8]> {
    let mut is_buffer = false;
    let mut data = ptr::null_mut();
    let mut len = 0;
    // SAFETY: the Buffer stays alive (it is an argument) while the call uses its bytes.
    unsafe {
        if sys::napi_is_buffer(env, value, &mut is_buffer) != sys::Status::napi_ok || !is_buffer {
            return None;
        }
        if sys::napi_get_buffer_info(env, value, &mut data, &mut len) != sys::Status::napi_ok {
            return None;
        }
        Some(if len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(data as *const u8, len)
        })
    }
}

unsafe extern "C" fn fast_authorization_cb(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let mut undefined = ptr::null_mut();
    // SAFETY: N-API calls on this call's environment and arguments; every external read is
    // checked to be one of ours first.
    unsafe {
        sys::napi_get_undefined(env, &mut undefined);
        let mut argc = 6;
        let mut argv = [ptr::null_mut(); 6];
        if sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        ) != sys::Status::napi_ok
        {
            return undefined;
        }
        // Missing arguments read as `undefined`.
        for arg in argv.iter_mut().skip(argc) {
            *arg = undefined;
        }
        let absent = |v| {
            matches!(
                type_of(env, v),
                Some(sys::ValueType::napi_undefined | sys::ValueType::napi_null)
            )
        };
        let [handle, method, url, body, ts, nonce] = argv;
        if type_of(env, handle) != Some(sys::ValueType::napi_external) {
            return undefined;
        }
        let mut data = ptr::null_mut();
        if sys::napi_get_value_external(env, handle, &mut data) != sys::Status::napi_ok
            || data.is_null()
            || (*(data as *const Handle)).magic != Handle::MAGIC
        {
            return undefined;
        }
        let signer = &(*(data as *const Handle)).signer;

        let string = Some(sys::ValueType::napi_string);
        if type_of(env, method) != string || type_of(env, url) != string {
            return undefined;
        }
        let uninit = || [std::mem::MaybeUninit::<u8>::uninit(); STACK_STR];
        let (mut method_buf, mut url_buf, mut body_buf, mut nonce_buf) =
            (uninit(), uninit(), uninit(), uninit());
        let (Some(method), Some(url)) = (
            read_str(env, method, &mut method_buf),
            read_str(env, url, &mut url_buf),
        ) else {
            return undefined;
        };
        let body_text;
        let body: &[u8] = if absent(body) {
            &[]
        } else if type_of(env, body) == string {
            match read_str(env, body, &mut body_buf) {
                Some(text) => {
                    body_text = text;
                    body_text.as_bytes()
                }
                None => return undefined,
            }
        } else {
            match read_buffer(env, body) {
                Some(bytes) => bytes,
                None => return undefined,
            }
        };
        let ts = if absent(ts) {
            None
        } else {
            let mut n = 0i64;
            if type_of(env, ts) != Some(sys::ValueType::napi_number)
                || sys::napi_get_value_int64(env, ts, &mut n) != sys::Status::napi_ok
            {
                return undefined;
            }
            Some(n)
        };
        let nonce_text;
        let nonce = if absent(nonce) {
            None
        } else if type_of(env, nonce) == string {
            match read_str(env, nonce, &mut nonce_buf) {
                Some(text) => {
                    nonce_text = text;
                    Some(&*nonce_text)
                }
                None => return undefined,
            }
        } else {
            return undefined;
        };

        match signer.authorization(&method, &url, body, &[], ts, nonce) {
            Ok(header) => {
                let mut out = ptr::null_mut();
                let status = if header.is_ascii() {
                    sys::napi_create_string_latin1(
                        env,
                        header.as_ptr().cast(),
                        header.len() as isize,
                        &mut out,
                    )
                } else {
                    sys::napi_create_string_utf8(
                        env,
                        header.as_ptr().cast(),
                        header.len() as isize,
                        &mut out,
                    )
                };
                if status == sys::Status::napi_ok {
                    out
                } else {
                    undefined
                }
            }
            Err(e) => {
                JsError::from(error::core(e)).throw_into(env);
                undefined
            }
        }
    }
}
