package xietong.conformance;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * (e) Reads the worked example from docs/wire-format.md itself (key, record value, JWS header,
 * envelope fields, body) and checks it as a partner would: single-object header, envelope decode
 * with BinaryMessageDecoder, Ed25519 signature with Nimbus over the detached payload, body decode.
 */
final class WorkedExample {
  private WorkedExample() {}

  static void check(String page, Path schemasDir, Checker.Report report) throws Exception {
    int start = page.indexOf("## Worked example");
    if (start < 0) throw new IllegalArgumentException("no '## Worked example' section");
    String ex = page.substring(start);

    JWK key = JWK.parse(blockAfter(ex, "The example key")).toPublicJWK();
    Map<String, Object> bodyJson = JSONObjectUtils.parse(blockAfter(ex, "Body: "));
    Map<String, Object> envelopeJson = JSONObjectUtils.parse(blockAfter(ex, "Envelope fields"));
    byte[] value = Wire.HEX.parseHex(blockAfter(ex, "Record value").replaceAll("\\s", ""));
    byte[] bodyBytes = Wire.HEX.parseHex(blockAfter(ex, "Body, Avro binary").replaceAll("\\s", ""));
    String jws = blockAfter(ex, "Header `xietong-jws`").trim();
    String signingInput = blockAfter(ex, "Signing input").trim();
    String headerFingerprint = group(ex, "fingerprint `([0-9a-f]{16})`");
    String bodySha = group(ex, "Parsing Canonical Form:\\s*`([0-9a-f]{64})`");

    Schema envelopeSchema = new Schema.Parser().parse(schemasDir.resolve("envelope.v1.avsc").toFile());
    byte[] expectedHeader = Fingerprints.rabinLittleEndian(envelopeSchema);
    report.expect(value[0] == (byte) 0xc3 && value[1] == 0x01, "example: value starts with the single-object marker C3 01");
    report.expect(Arrays.equals(Arrays.copyOfRange(value, 2, 10), expectedHeader),
        "example: header fingerprint is SchemaNormalization.parsingFingerprint64(envelope) = " + Wire.HEX.formatHex(expectedHeader));
    report.expect(headerFingerprint.equals(Wire.HEX.formatHex(expectedHeader)), "example: the page names that fingerprint");

    GenericRecord envelope;
    try {
      envelope = Wire.decodeEnvelope(envelopeSchema, value);
      report.ok("example: BinaryMessageDecoder decodes the record value");
    } catch (Wire.Refused e) {
      report.fail("example: BinaryMessageDecoder decodes the record value: " + e.getMessage());
      return;
    }
    for (String field : new String[] {"messageId", "type", "sender", "recipient", "zone", "correlationId", "causationId", "createdAt", "bodySchema"}) {
      Object actual = Wire.toJson(envelope.get(field), envelopeSchema.getField(field).schema());
      report.expect(Wire.jsonEquals(actual, envelopeJson.get(field)), "example: envelope " + field + " = " + actual);
    }

    JWSObject parsed = Wire.parseDetached(jws, value);
    report.expect(parsed.getHeader().getAlgorithm().getName().equals("EdDSA")
        && key.getKeyID().equals(parsed.getHeader().getKeyID()), "example: protected header names EdDSA and the example kid");
    report.expect(new String(parsed.getSigningInput(), java.nio.charset.StandardCharsets.US_ASCII).equals(signingInput),
        "example: the page's signing input is BASE64URL(header) . BASE64URL(value)");
    report.expect(parsed.verify(Wire.verifier(key)), "example: Nimbus Ed25519Verifier verifies the detached JWS");
    byte[] tampered = value.clone();
    tampered[tampered.length - 1] ^= 1;
    report.expect(!Wire.parseDetached(jws, tampered).verify(Wire.verifier(key)), "example: a changed byte fails verification");

    byte[] body = Wire.bytes(envelope.get("body"));
    report.expect(Arrays.equals(body, bodyBytes), "example: envelope body is the page's body bytes");
    String sha = Wire.HEX.formatHex(((GenericData.Fixed) envelope.get("bodySchema")).bytes());
    report.expect(sha.equals(bodySha), "example: bodySchema is the page's SHA-256");
    Schema writer = findBySha256(schemasDir, sha);
    if (writer == null) {
      report.fail("example: a schema in " + schemasDir + " has SHA-256 " + sha);
      return;
    }
    report.ok("example: bodySchema is SchemaNormalization SHA-256 of " + writer.getFullName());
    Object decoded = Wire.toJson(Wire.decodeBody(writer, body), writer);
    report.expect(Wire.jsonEquals(decoded, bodyJson), "example: body decodes to the page's JSON " + decoded);
  }

  /** Body of the first fenced block after the first line containing `marker`. */
  static String blockAfter(String text, String marker) {
    int at = text.indexOf(marker);
    if (at < 0) throw new IllegalArgumentException("worked example has no '" + marker + "'");
    int open = text.indexOf("```", at);
    int bodyStart = text.indexOf('\n', open) + 1;
    int close = text.indexOf("```", bodyStart);
    return text.substring(bodyStart, close);
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) throw new IllegalArgumentException("worked example has nothing matching " + regex);
    return m.group(1);
  }

  private static Schema findBySha256(Path dir, String sha) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".avsc")).sorted()::iterator) {
        Schema s = new Schema.Parser().parse(f.toFile());
        if (Wire.HEX.formatHex(Fingerprints.sha256(s)).equals(sha)) return s;
      }
    }
    return null;
  }
}
