//! Fault injection: what can go wrong between a merchant and Paysera, on demand.

use serde::{Deserialize, Serialize};

/// What the sandbox does to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer this status with Paysera's error body, without applying the request.
    Error {
        status: u16,
        #[serde(default = "default_error_code")]
        code: String,
        #[serde(default)]
        description: Option<String>,
    },
    /// 429 `rate_limit_exceeded` with `Retry-After`, without applying the request.
    RateLimit {
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// Wait, then handle the request normally.
    Delay { ms: u64 },
    /// Drop the connection before handling the request: nothing is applied.
    Drop,
    /// Apply the request, then drop the connection instead of answering: the ambiguous case.
    ApplyThenDrop,
    /// Apply the request, then answer a 200 whose JSON body is cut in half.
    Truncate,
    /// Apply the request, then answer a 200 whose body is not JSON.
    Malformed,
}

fn default_error_code() -> String {
    "internal_server_error".to_owned()
}

fn one() -> u64 {
    1
}

/// A fault and which requests it hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub fault: FaultKind,
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path (without query) contains this text (any when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// Hit the next `count` matching requests (default 1 when no probability is given).
    #[serde(default)]
    pub count: Option<u64>,
    /// Hit each matching request with this probability (0.0–1.0), from a seeded generator.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seed for `probability` (default 0): the same seed gives the same sequence.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl FaultRule {
    /// A rule hitting the next request of any kind once.
    pub fn once(fault: FaultKind) -> Self {
        Self {
            fault,
            method: None,
            path: None,
            count: Some(1),
            probability: None,
            seed: None,
        }
    }

    pub fn on(mut self, method: &str, path: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.path = Some(path.to_owned());
        self
    }

    pub fn times(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }

    pub fn with_probability(mut self, p: f64, seed: u64) -> Self {
        self.probability = Some(p);
        self.seed = Some(seed);
        self.count = None;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("probability {p} must be between 0 and 1"));
        }
        if let FaultKind::Error { status, .. } = &self.fault
            && !(400..=599).contains(status)
        {
            return Err(format!("error status {status} must be 400-599"));
        }
        Ok(())
    }
}

pub(crate) struct ActiveRule {
    pub rule: FaultRule,
    remaining: Option<u64>,
    rng: SplitMix,
}

impl ActiveRule {
    pub fn new(rule: FaultRule) -> Self {
        let remaining = match (rule.count, rule.probability) {
            (Some(n), _) => Some(n),
            (None, None) => Some(1),
            (None, Some(_)) => None,
        };
        let rng = SplitMix(rule.seed.unwrap_or(0));
        Self {
            rule,
            remaining,
            rng,
        }
    }

    /// Hits left; `None` for a rule drawn at random.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// Does this rule hit this request? Consumes a count or a random draw when it matches.
    pub fn hits(&mut self, method: &str, path: &str) -> bool {
        if self.remaining == Some(0) {
            return false;
        }
        if self
            .rule
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        if self.rule.path.as_deref().is_some_and(|p| !path.contains(p)) {
            return false;
        }
        if let Some(p) = self.rule.probability
            && self.rng.next_f64() >= p
        {
            return false;
        }
        if let Some(n) = self.remaining.as_mut() {
            *n -= 1;
        }
        true
    }

    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// A tiny deterministic generator (SplitMix64): reproducible fault sequences from a seed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_and_filters() {
        let mut r = ActiveRule::new(
            FaultRule::once(FaultKind::Drop)
                .on("post", "/order")
                .times(2),
        );
        assert!(!r.hits("GET", "/rest/v1/spot/1/order"));
        assert!(!r.hits("POST", "/rest/v1/transaction"));
        assert!(r.hits("POST", "/rest/v1/spot/1/order"));
        assert!(r.hits("POST", "/rest/v1/spot/2/order"));
        assert!(!r.hits("POST", "/rest/v1/spot/3/order"));
        assert!(r.exhausted());
    }

    #[test]
    fn probability_is_seeded_and_roughly_right() {
        let draw = |seed| {
            let mut r =
                ActiveRule::new(FaultRule::once(FaultKind::Drop).with_probability(0.1, seed));
            (0..1000).map(|_| r.hits("GET", "/")).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let n = draw(7).iter().filter(|h| **h).count();
        assert!((60..140).contains(&n), "{n}");
    }

    #[test]
    fn serde_shape() {
        let r: FaultRule = serde_json::from_str(
            r#"{"kind":"error","status":503,"method":"GET","path":"/spots","count":3}"#,
        )
        .unwrap();
        assert_eq!(r.count, Some(3));
        assert!(matches!(r.fault, FaultKind::Error { status: 503, .. }));
        let r: FaultRule =
            serde_json::from_str(r#"{"kind":"rate_limit","retry_after":2}"#).unwrap();
        assert!(matches!(r.fault, FaultKind::RateLimit { retry_after: 2 }));
    }
}
