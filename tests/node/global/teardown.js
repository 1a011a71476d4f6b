// globalTeardown.js
module.exports = async () => {
  await globalThis.payseraSandbox.stop();
};
