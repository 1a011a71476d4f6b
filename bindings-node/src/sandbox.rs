//! The in-process Paysera simulator, for tests (`paysera-scanpay/testing`).

use std::sync::{Mutex, MutexGuard};

use napi::Result;
use napi::bindgen_prelude::{BigInt, Either3};
use napi_derive::napi;
use paysera_sandbox::{
    Autopilot, FaultRule, RateLimit, Sandbox as CoreSandbox, SandboxConfig, SpotRef,
};
use paysera_scanpay::models::PlaceInfo;
use serde_json::Value;

use crate::convert;
use crate::error;

/// The port the standalone sandbox commands listen on unless told otherwise.
#[napi]
pub const SANDBOX_DEFAULT_PORT: u32 = paysera_sandbox::DEFAULT_PORT as u32;

#[napi]
pub struct Sandbox {
    inner: Mutex<Option<CoreSandbox>>,
}

fn stopped() -> napi::Error {
    error::lifecycle("the sandbox is stopped")
}

fn json<T: serde::de::DeserializeOwned>(value: Option<Value>, what: &str) -> Result<T> {
    serde_json::from_value(value.unwrap_or(Value::Object(Default::default())))
        .map_err(|e| error::invalid_input(format!("{what}: {e}")))
}

/// A spot id, or the text of its QR code.
fn spot_ref(spot: Either3<f64, BigInt, String>) -> Result<SpotRef> {
    Ok(match spot {
        Either3::C(code) => SpotRef::from(code.as_str()),
        id => SpotRef::from(convert::id(id, "spot")?),
    })
}

impl Sandbox {
    fn get(&self) -> Result<MutexGuard<'_, Option<CoreSandbox>>> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(stopped());
        }
        Ok(guard)
    }
}

/// Runs `f` on the running sandbox.
macro_rules! with {
    ($self:ident, |$s:ident| $body:expr) => {{
        let guard = $self.get()?;
        let $s = guard.as_ref().ok_or_else(stopped)?;
        $body
    }};
}

#[napi]
impl Sandbox {
    /// Starts a sandbox on a free loopback port. `config` is `SandboxConfig`'s JSON
    /// (`host`, `port`, `clients: [{client_id, mac_key}]`, `timestamp_window`, `project_id`,
    /// `token`).
    #[napi]
    pub async fn start(config: Option<Value>) -> Result<Sandbox> {
        let config: SandboxConfig = json(config, "sandbox config")?;
        let sandbox = CoreSandbox::start(config).await.map_err(|e| {
            error::core(paysera_scanpay::Error::Io(format!(
                "cannot start the sandbox: {e}"
            )))
        })?;
        Ok(Sandbox {
            inner: Mutex::new(Some(sandbox)),
        })
    }

    #[napi(getter)]
    pub fn base_url(&self) -> Result<String> {
        with!(self, |s| Ok(s.base_url().to_owned()))
    }

    #[napi(getter)]
    pub fn client_id(&self) -> Result<String> {
        with!(self, |s| Ok(s.client_id().to_owned()))
    }

    #[napi(getter)]
    pub fn mac_key(&self) -> Result<String> {
        with!(self, |s| Ok(s.mac_key().to_owned()))
    }

    /// What `npx paysera-scanpay sandbox` prints at start, one line each.
    #[napi(getter)]
    pub fn banner(&self) -> Result<Vec<String>> {
        with!(self, |s| Ok(s.banner()))
    }

    /// The control-plane token, when one is required (bound beyond loopback, or configured).
    #[napi(getter)]
    pub fn token(&self) -> Result<Option<String>> {
        with!(self, |s| Ok(s.token().map(str::to_owned)))
    }

    #[napi(getter)]
    pub fn public_key_pem(&self) -> Result<String> {
        with!(self, |s| Ok(s.public_key_pem().to_owned()))
    }

    #[napi(ts_return_type = "any")]
    pub fn create_location(
        &self,
        location_id: Either3<f64, BigInt, String>,
        place_info: Option<Value>,
    ) -> Result<Value> {
        let (id, place) = (
            convert::id(location_id, "locationId")?,
            json::<PlaceInfo>(place_info, "placeInfo")?,
        );
        with!(self, |s| convert::to_js(&s.create_location(id, place)))
    }

    #[napi(ts_return_type = "any")]
    pub fn create_spot(
        &self,
        location_id: Either3<f64, BigInt, String>,
        identifier: String,
        place_info: Option<Value>,
    ) -> Result<Value> {
        let (id, place) = (
            convert::id(location_id, "locationId")?,
            json::<PlaceInfo>(place_info, "placeInfo")?,
        );
        with!(self, |s| convert::to_js(
            &s.create_spot(id, &identifier, place)
                .map_err(error::sandbox)?
        ))
    }

    /// A customer scans the spot (its id or its QR code text); `userId` picks the customer.
    #[napi(ts_return_type = "any")]
    pub fn scan(
        &self,
        spot: Either3<f64, BigInt, String>,
        user_id: Option<Either3<f64, BigInt, String>>,
    ) -> Result<Value> {
        let (spot, user) = (
            spot_ref(spot)?,
            user_id.map(|u| convert::id(u, "userId")).transpose()?,
        );
        with!(self, |s| {
            let spot = match user {
                Some(user) => s.scan_as(spot, user),
                None => s.scan(spot),
            };
            convert::to_js(&spot.map_err(error::sandbox)?)
        })
    }

    #[napi(ts_return_type = "any")]
    pub fn confirm(&self, transaction_key: String) -> Result<Value> {
        with!(self, |s| convert::to_js(
            &s.confirm(&transaction_key).map_err(error::sandbox)?
        ))
    }

    #[napi(ts_return_type = "any")]
    pub fn reject(&self, transaction_key: String) -> Result<Value> {
        with!(self, |s| convert::to_js(
            &s.reject(&transaction_key).map_err(error::sandbox)?
        ))
    }

    #[napi(ts_return_type = "any")]
    pub fn expire(&self, transaction_key: String) -> Result<Value> {
        with!(self, |s| convert::to_js(
            &s.expire(&transaction_key).map_err(error::sandbox)?
        ))
    }

    #[napi]
    pub fn advance_clock(&self, seconds: i64) -> Result<i64> {
        with!(self, |s| s.advance_clock(seconds).map_err(error::sandbox))
    }

    #[napi]
    pub fn now(&self) -> Result<i64> {
        with!(self, |s| Ok(s.now()))
    }

    #[napi]
    pub fn reset(&self) -> Result<()> {
        with!(self, |s| {
            s.reset();
            Ok(())
        })
    }

    #[napi(ts_return_type = "any[]")]
    pub fn requests(&self) -> Result<Value> {
        with!(self, |s| convert::to_js(&s.requests()))
    }

    /// `rule` is `FaultRule`'s JSON: `{kind: "error" | "rate_limit" | "delay" | "drop" |
    /// "apply_then_drop" | "truncate" | "malformed", status, code, retry_after, ms, method, path,
    /// count, probability, seed}`.
    #[napi]
    pub fn inject_fault(&self, rule: Value) -> Result<()> {
        let rule: FaultRule = json(Some(rule), "fault rule")?;
        with!(self, |s| s.inject_fault(rule).map_err(error::sandbox))
    }

    #[napi]
    pub fn clear_faults(&self) -> Result<()> {
        with!(self, |s| {
            s.clear_faults();
            Ok(())
        })
    }

    /// `{requests, per_seconds}`, or null for no limit.
    #[napi]
    pub fn set_rate_limit(&self, limit: Option<Value>) -> Result<()> {
        let limit: Option<RateLimit> = limit
            .filter(|l| !l.is_null())
            .map(|l| json(Some(l), "rate limit"))
            .transpose()?;
        with!(self, |s| s.set_rate_limit(limit).map_err(error::sandbox))
    }

    /// What every customer does as soon as an order reaches the app: `"confirm"`, `"reject"`,
    /// or null to wait for `confirm`/`reject` calls (the default).
    #[napi]
    pub fn set_autopilot(
        &self,
        #[napi(ts_arg_type = "'confirm' | 'reject' | null")] mode: Option<String>,
    ) -> Result<()> {
        let mode: Option<Autopilot> =
            json(Some(mode.map_or(Value::Null, Value::String)), "autopilot")?;
        with!(self, |s| {
            s.set_autopilot(mode);
            Ok(())
        })
    }

    #[napi(ts_return_type = "any[]")]
    pub fn transactions(&self) -> Result<Value> {
        with!(self, |s| convert::to_js(&s.transactions()))
    }

    #[napi(ts_return_type = "any[]")]
    pub fn spots(&self) -> Result<Value> {
        with!(self, |s| convert::to_js(&s.spots()))
    }

    #[napi(ts_return_type = "any[]")]
    pub fn callbacks(&self) -> Result<Value> {
        with!(self, |s| convert::to_js(&s.callbacks()))
    }

    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    /// Stops serving and waits for the server to end. Stopping twice is fine.
    #[napi]
    pub async fn stop(&self) -> Result<()> {
        let sandbox = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        Ok(())
    }
}
