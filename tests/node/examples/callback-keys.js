// callback-keys.js: Paysera's callback key, fetched once and cached; fetched again once when a
// signature does not verify (Paysera may have rotated its key), but at most once per
// `refetchAfterMs`, so a stream of forged callbacks cannot make you hammer /publickey.
//
//   const keys = callbackKeys(() => new Client({ clientId, macKey, baseUrl }).getPublicKey());
//   // in the callback route:
//   if (!(await keys.verify(event, sign))) return res.status(400).send('bad signature');
//
// A new Client for each fetch: a Client caches the key it fetched for as long as it lives.
const { verifyCallback } = require('paysera-scanpay');

function callbackKeys(fetchKey, { refetchAfterMs = 5 * 60_000 } = {}) {
  let pem = null;
  let fetchedAt = 0;
  const load = async () => {
    pem = await fetchKey();
    fetchedAt = Date.now();
    return pem;
  };
  return {
    async verify(event, sign) {
      if (verifyCallback(event, sign, pem ?? (await load()))) return true;
      if (Date.now() - fetchedAt < refetchAfterMs) return false; // the key is fresh: a bad signature
      return verifyCallback(event, sign, await load());
    },
  };
}

module.exports = { callbackKeys };
