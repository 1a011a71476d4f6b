//! Randomness for backoff jitter (not security sensitive).

/// A uniform float in [0, 1) from the OS RNG; 0.5 if the OS cannot supply one.
pub(crate) fn unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn stays_in_the_unit_interval() {
        for _ in 0..1000 {
            let u = super::unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
