// Reference for test/known-answer.test.ts: the providers' JavaScript signature samples, VERBATIM.
// Loaded from the test with createRequire. Not part of the package.
//
// 1. insurup-webhooks.md, "Signature Validasyonu" -> "Javascript": copied as written.
// 2. axitech-webhooks.txt, "Implementation Example" -> generateSignature: the function is copied as
//    written (the captured page lost its indentation; it is kept unindented, as captured). The
//    sample reads `const API_SECRET = 'wh_sec_YOUR_WEBHOOK_SECRET';` from module scope; here it is a
//    module-level `let` so the test can set it (setApiSecret). The Express server around it is not
//    copied. The sample's `const crypto = require('crypto');` line is the same as InsurUp's and
//    appears once, below.

// ---- VERBATIM from insurup-webhooks.md (Javascript) ----
const crypto = require('crypto');

function validateSignature(secret, payload, signature) {
    const computedSignature = crypto
        .createHmac('sha256', secret)
        .update(payload, 'utf8')
        .digest('hex');
    return crypto.timingSafeEqual(Buffer.from(computedSignature, 'hex'), Buffer.from(signature, 'hex'));
}
// ---- end VERBATIM ----

// ---- Axitech: API_SECRET (a `const` in the sample) made settable ----
let API_SECRET = 'wh_sec_YOUR_WEBHOOK_SECRET';

// ---- VERBATIM from axitech-webhooks.txt (generateSignature) ----
function generateSignature(method, url, timestamp, body) {
const hmac = crypto.createHmac('SHA256', API_SECRET);
hmac.update(`${method.toUpperCase()}${url}${timestamp}`);
if (body) {
hmac.update(body);
}
return hmac.digest('hex');
}
// ---- end VERBATIM ----

function setApiSecret(secret) {
  API_SECRET = secret;
}

module.exports = { validateSignature, generateSignature, setApiSecret };
