// Reference for test/known-answer.test.ts. The imports and the class with its validateSignature
// method are copied VERBATIM from insurup-webhooks.md, "Signature Validasyonu" -> "Java"; the only
// additions are inside the class, after the verbatim method, between the ADDED markers (a helper
// that repeats the verbatim method's computation and returns it, and a CLI). They use
// fully-qualified names so the verbatim import block stays as written.
//
// The verbatim code calls secret.getBytes() / payload.getBytes(), i.e. the platform default
// charset: run with -Dfile.encoding=UTF-8 (Java 17 does not default to UTF-8). main() refuses to
// run otherwise, so a wrong charset fails loudly instead of producing different signatures.
//
//   java -Dfile.encoding=UTF-8 SignatureValidator sign <secret> <payload-file>...
//       -> the Base64 signature of each file, one per line
//   java -Dfile.encoding=UTF-8 SignatureValidator verify <secret> <payload-file> <signature> [<payload-file> <signature> ...]
//       -> true / false from the verbatim validateSignature, one per pair
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.util.Base64;

public class SignatureValidator {
    public static boolean validateSignature(String secret, String payload, String signature) throws Exception {
        Mac sha256_HMAC = Mac.getInstance("HmacSHA256");
        SecretKeySpec secret_key = new SecretKeySpec(secret.getBytes(), "HmacSHA256");
        sha256_HMAC.init(secret_key);

        String computedSignature = Base64.getEncoder().encodeToString(sha256_HMAC.doFinal(payload.getBytes()));
        return computedSignature.equals(signature);
    }

    // ---- ADDED (not from the docs) ----------------------------------------------------------
    /** The verbatim method's computedSignature, line for line, returned instead of compared. */
    public static String computeSignature(String secret, String payload) throws Exception {
        Mac sha256_HMAC = Mac.getInstance("HmacSHA256");
        SecretKeySpec secret_key = new SecretKeySpec(secret.getBytes(), "HmacSHA256");
        sha256_HMAC.init(secret_key);

        String computedSignature = Base64.getEncoder().encodeToString(sha256_HMAC.doFinal(payload.getBytes()));
        return computedSignature;
    }

    private static String readPayload(String path) throws Exception {
        return java.nio.file.Files.readString(java.nio.file.Path.of(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void usage(String message) {
        System.err.println("SignatureValidator: " + message);
        System.err.println("usage: sign <secret> <payload-file>... | verify <secret> <payload-file> <signature> [<payload-file> <signature>...]");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        if (!java.nio.charset.Charset.defaultCharset().equals(java.nio.charset.StandardCharsets.UTF_8)) {
            System.err.println("SignatureValidator: default charset is " + java.nio.charset.Charset.defaultCharset()
                + "; run with -Dfile.encoding=UTF-8 (the verbatim sample uses String.getBytes())");
            System.exit(3);
        }
        if (args.length < 3) usage("missing arguments");
        String command = args[0];
        String secret = args[1];
        StringBuilder out = new StringBuilder();
        if (command.equals("sign")) {
            for (int i = 2; i < args.length; i++) {
                out.append(computeSignature(secret, readPayload(args[i]))).append('\n');
            }
        } else if (command.equals("verify")) {
            if ((args.length - 2) % 2 != 0) usage("verify needs <payload-file> <signature> pairs");
            for (int i = 2; i < args.length; i += 2) {
                out.append(validateSignature(secret, readPayload(args[i]), args[i + 1]) ? "true" : "false").append('\n');
            }
        } else {
            usage("unknown command " + command);
        }
        System.out.print(out);
        System.out.flush();
    }
    // ---- end ADDED --------------------------------------------------------------------------
}
