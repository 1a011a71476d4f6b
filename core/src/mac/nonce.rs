//! Nonces: 32 alphanumerics per request from a per-thread, fork-aware CSPRNG.

use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng as _, SeedableRng as _};

/// `len` characters from `[A-Za-z0-9]`, uniformly, from a CSPRNG.
///
/// Each thread keeps a ChaCha20 generator keyed from the OS (`getrandom`) and rekeys it after
/// every MiB of output and whenever the process id changes ([`crate::runtime::process_id`], no
/// system call), so a forked child never repeats its parent's nonces. Drawing from the OS for
/// every nonce cost about a third of a signature.
pub fn random_alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = Vec::with_capacity(len);
    let pid = crate::runtime::process_id();
    NONCE_RNG.with(|state| {
        let mut state = state.borrow_mut();
        let mut block = [0u8; 64];
        while out.len() < len {
            // A few bytes more than needed: rejection sampling (248 = 4 * 62, for a uniform
            // distribution) drops about one byte in 32.
            let want = (len - out.len() + 4).min(block.len());
            state.fill(pid, &mut block[..want]);
            let mut kept = 0;
            for i in 0..want {
                let b = block[i];
                block[kept] = ALPHABET[usize::from(b % 62)];
                kept += usize::from(b < 248);
            }
            out.extend_from_slice(&block[..kept.min(len - out.len())]);
        }
    });
    String::from_utf8(out).expect("the alphabet is ASCII")
}

/// A thread's nonce generator (see [`random_alphanumeric`]).
struct NonceRng {
    rng: Option<ChaCha20Rng>,
    pid: u32,
    since_key: usize,
}

impl NonceRng {
    const REKEY_AFTER: usize = 1 << 20;

    fn fill(&mut self, pid: u32, dest: &mut [u8]) {
        if self.rng.is_none() || self.pid != pid || self.since_key >= Self::REKEY_AFTER {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).expect("the OS random number generator failed");
            self.rng = Some(ChaCha20Rng::from_seed(seed));
            seed.fill(0);
            self.pid = pid;
            self.since_key = 0;
        }
        self.since_key += dest.len();
        self.rng
            .as_mut()
            .expect("keyed just above")
            .fill_bytes(dest);
    }
}

thread_local! {
    static NONCE_RNG: std::cell::RefCell<NonceRng> = const {
        std::cell::RefCell::new(NonceRng { rng: None, pid: 0, since_key: 0 })
    };
}
