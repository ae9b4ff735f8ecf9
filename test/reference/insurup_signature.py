#!/usr/bin/env python3
"""Reference signatures computed outside the package, for test/known-answer.test.ts.

The block between the VERBATIM markers is copied character for character from
insurup-webhooks.md, "Signature Validasyonu" -> "Python". Everything after it is
a small CLI around it, plus the other providers' documented computations done in
Python (PHP is not installed; the KASKO PHP sample is one hash_hmac call).

Payload files are read as UTF-8 text with no newline translation (the docs'
function calls payload.encode(), i.e. UTF-8), so the bytes signed are exactly the
file's bytes.

Usage (every command prints one line per payload file, so calls can be batched):
  insurup_signature.py verify <secret> <payload-file> <signature> [<payload-file> <signature> ...]
      -> true / false, from the verbatim validate_signature
  insurup_signature.py sign <secret> <payload-file>...
      -> hmac.new(secret, payload, sha256).hexdigest()            (InsurUp)
  insurup_signature.py kasko-sign <secret> <payload-file>...
      -> 'sha1=' + hmac sha1 hexdigest                            (KASKO PHP sample)
  insurup_signature.py axitech-sign <secret> <method> <url> <timestamp> <payload-file>
      -> hex HMAC-SHA256 of METHOD.upper() + url + timestamp + body (Axitech JS sample)
  insurup_signature.py coverkit-sign <secret> <payload-file>...
      -> hex HMAC-SHA256 of the body                              (project decision; undocumented)
"""

# ---- VERBATIM from insurup-webhooks.md (Python) ----------------------------
import hmac
import hashlib

def validate_signature(secret, payload, signature):
    computed_signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(computed_signature, signature)
# ---- end VERBATIM -----------------------------------------------------------

import sys


def read_payload(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def usage(message):
    sys.stderr.write("insurup_signature.py: " + message + "\n" + __doc__)
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        usage("missing arguments")
    command, secret, rest = argv[0], argv[1], argv[2:]
    out = []
    if command == "verify":
        if len(rest) == 0 or len(rest) % 2:
            usage("verify needs <payload-file> <signature> pairs")
        for path, signature in zip(rest[0::2], rest[1::2]):
            out.append("true" if validate_signature(secret, read_payload(path), signature) else "false")
    elif command == "sign":
        for path in rest:
            out.append(hmac.new(secret.encode(), read_payload(path).encode(), hashlib.sha256).hexdigest())
    elif command == "kasko-sign":
        # kasko-webhooks.md: $hash = 'sha1=' . hash_hmac('sha1', $payload, $endpoint_secret);
        for path in rest:
            out.append("sha1=" + hmac.new(secret.encode(), read_payload(path).encode(), hashlib.sha1).hexdigest())
    elif command == "axitech-sign":
        # axitech-webhooks.txt: createHmac('SHA256', API_SECRET);
        #   update(`${method.toUpperCase()}${url}${timestamp}`); update(body); digest('hex')
        if len(rest) != 4:
            usage("axitech-sign needs <method> <url> <timestamp> <payload-file>")
        method, url, timestamp, path = rest
        mac = hmac.new(secret.encode(), (method.upper() + url + timestamp).encode(), hashlib.sha256)
        mac.update(read_payload(path).encode())
        out.append(mac.hexdigest())
    elif command == "coverkit-sign":
        for path in rest:
            out.append(hmac.new(secret.encode(), read_payload(path).encode(), hashlib.sha256).hexdigest())
    else:
        usage("unknown command " + command)
    if not out:
        usage("no payload file given")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
