package xietong.conformance;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.X25519Decrypter;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * (a) A receiver as docs/wire-format.md specifies it ("A receiver accepts a record only if, in
 * this order"), run over every record vector with the vector's receiver, now and already accepted
 * message ids; (c) the manifest; (d) the complainant JWE of accepted complaints.
 */
final class VectorCheck {
  private VectorCheck() {}

  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
  private static final Pattern UUID =
      Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  private static final Pattern AGENCY = Pattern.compile("^\\d{6}$");
  private static final Pattern CONTROL = Pattern.compile("[\\u0000-\\u001f\\u007f]");

  /** What a receiver decided about one record. */
  static final class Outcome {
    final String code; // null when accepted
    final String detail;
    final GenericRecord envelope;
    final GenericRecord body;
    final Schema bodySchema;

    Outcome(String code, String detail, GenericRecord envelope, GenericRecord body, Schema bodySchema) {
      this.code = code;
      this.detail = detail;
      this.envelope = envelope;
      this.body = body;
      this.bodySchema = bodySchema;
    }
  }

  static void run(Path vectors, Checker.Report report) throws Exception {
    java.util.List<Schema> envelopes = Wire.envelopeVersions(vectors);
    Schema envelopeSchema = envelopes.get(envelopes.size() - 1);
    List<Path> files;
    try (Stream<Path> s = Files.list(vectors.resolve("records"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    Federation federation = null;
    Instant loadedAt = null;
    for (Path file : files) {
      Map<String, Object> vector = JSONObjectUtils.parse(Files.readString(file));
      Instant now = Instant.parse((String) vector.get("now"));
      if (federation == null || !now.equals(loadedAt)) {
        federation = Federation.load(vectors.resolve("federation"), now, report);
        loadedAt = now;
      }
      String name = file.getFileName().toString().replace(".json", "");
      Map<String, Object> record = JSONObjectUtils.getJSONObject(vector, "record");
      byte[] value = Wire.HEX.parseHex((String) record.get("value"));
      Object jws = JSONObjectUtils.getJSONObject(record, "headers").get(Wire.SIGNATURE_HEADER);
      Set<String> accepted = new HashSet<>(JSONObjectUtils.getStringList(vector, "acceptedMessageIds"));
      Outcome o = receive(envelopes, federation, (String) vector.get("receiver"), now, accepted, value, (String) jws);
      Map<String, Object> expected = JSONObjectUtils.getJSONObject(vector, "expected");
      if ("REFUSED".equals(expected.get("outcome"))) {
        report.expect(expected.get("reasonCode").equals(o.code),
            name + ": refused " + expected.get("reasonCode") + (o.code == null ? ", Java accepted it" : ", Java: " + o.detail));
        continue;
      }
      if (o.code != null) {
        report.fail(name + ": accepted, Java refused " + o.detail);
        continue;
      }
      Map<String, Object> env = JSONObjectUtils.getJSONObject(expected, "envelope");
      boolean same = true;
      for (Schema.Field f : envelopeSchema.getFields())
        same &= Wire.jsonEquals(Wire.toJson(o.envelope.get(f.name()), f.schema()), env.get(f.name()));
      Object body = Wire.toJson(o.body, o.bodySchema);
      report.expect(same && Wire.jsonEquals(body, expected.get("body")),
          name + ": accepted; envelope and body decode to the expected JSON");
      if ("COMPLAINT".equals(o.envelope.get("type").toString()))
        checkComplainant(vectors, (String) vector.get("receiver"), federation, o, expected, name, report);
    }
  }

  /** The receiver's checks, in the order of docs/wire-format.md. */
  static Outcome receive(java.util.List<Schema> envelopes, Federation federation, String receiver, Instant now,
      Set<String> acceptedIds, byte[] value, String jws) throws Exception {
    GenericRecord envelope;
    try {
      envelope = Wire.decodeEnvelope(envelopes, value);
      checkFields(envelope);
      if (jws == null) throw new Wire.Refused("SIGNATURE_MISSING", "no " + Wire.SIGNATURE_HEADER + " header");
    } catch (Wire.Refused r) {
      return new Outcome(r.code, r.getMessage(), null, null, null);
    }
    try {
      JWSObject signed = Wire.parseDetached(jws, value);
      JWSHeader header = signed.getHeader();
      if (header.getKeyID() == null) throw new Wire.Refused("SIGNATURE_INVALID", "JWS has no kid");
      if (header.getCriticalParams() != null || !header.isBase64URLEncodePayload())
        throw new Wire.Refused("SIGNATURE_INVALID", "b64/crit are not accepted");
      String sender = envelope.get("sender").toString();
      if (!federation.members.containsKey(sender))
        throw new Wire.Refused("UNKNOWN_SENDER", sender + " is not a manifest member");
      Map<String, Object> key = federation.signingKey(sender, header.getKeyID());
      if (key == null) throw new Wire.Refused("UNKNOWN_KEY", header.getKeyID() + " is not a key of " + sender);
      Instant from = Instant.parse((String) key.get("notBefore")).minus(CLOCK_SKEW);
      Instant to = Instant.parse((String) key.get("notAfter")).plus(CLOCK_SKEW);
      Instant createdAt = Instant.ofEpochMilli((Long) envelope.get("createdAt"));
      for (Instant t : new Instant[] {now, createdAt})
        if (t.isBefore(from) || t.isAfter(to))
          throw new Wire.Refused("KEY_NOT_VALID", header.getKeyID() + " is valid " + key.get("notBefore") + " to " + key.get("notAfter") + ", not at " + t);
      if (!header.getAlgorithm().getName().equals(key.get("alg")))
        throw new Wire.Refused("SIGNATURE_INVALID", "JWS alg " + header.getAlgorithm() + ", key registered for " + key.get("alg"));
      JWK publicJwk = JWK.parse(JSONObjectUtils.getJSONObject(key, "publicJwk"));
      if (!signed.verify(Wire.verifier(publicJwk)))
        throw new Wire.Refused("SIGNATURE_INVALID", "signature does not verify over the record value");
      String recipient = envelope.get("recipient").toString();
      if (!recipient.equals(receiver))
        throw new Wire.Refused("WRONG_RECIPIENT", "addressed to " + recipient + ", receiver is " + receiver);
      String type = envelope.get("type").toString();
      if ("UNKNOWN".equals(type) || !federation.accepts(receiver, type))
        throw new Wire.Refused("UNSUPPORTED_TYPE", receiver + " does not accept " + type);
      if (!federation.agreementCovers(envelope.get("zone").toString(), sender, recipient, type))
        throw new Wire.Refused("NOT_IN_AGREEMENT", "agreement " + envelope.get("zone") + " does not cover " + type);
      String sha = Wire.HEX.formatHex(((GenericData.Fixed) envelope.get("bodySchema")).bytes());
      Object[] entry = federation.catalog.get(sha);
      if (entry == null || !type.equals(entry[0]))
        throw new Wire.Refused("UNKNOWN_SCHEMA", "bodySchema " + sha + " is not a " + type + " schema of the catalog");
      Schema writer = (Schema) entry[1];
      GenericRecord body = Wire.decodeBody(writer, Wire.bytes(envelope.get("body")));
      if (acceptedIds.contains(envelope.get("messageId").toString()))
        throw new Wire.Refused("REPLAY", "messageId " + envelope.get("messageId") + " was accepted before");
      return new Outcome(null, "accepted", envelope, body, writer);
    } catch (Wire.Refused r) {
      return new Outcome(r.code, r.getMessage(), envelope, null, null);
    }
  }

  /** Field limits of the envelope (docs/wire-format.md), MALFORMED otherwise. */
  static void checkFields(GenericRecord e) throws Wire.Refused {
    if (!UUID.matcher(e.get("messageId").toString()).matches()) throw new Wire.Refused("MALFORMED", "messageId is not a UUID");
    Object causation = e.get("causationId");
    if (causation != null && !UUID.matcher(causation.toString()).matches())
      throw new Wire.Refused("MALFORMED", "causationId is not a UUID");
    if (!AGENCY.matcher(e.get("sender").toString()).matches() || !AGENCY.matcher(e.get("recipient").toString()).matches())
      throw new Wire.Refused("MALFORMED", "sender and recipient must be six digits");
    String zone = e.get("zone").toString();
    if (zone.isEmpty() || zone.length() > 40 || CONTROL.matcher(zone).find())
      throw new Wire.Refused("MALFORMED", "zone must have 1 to 40 printable characters");
    String correlation = e.get("correlationId").toString();
    if (correlation.isEmpty() || correlation.length() > 64 || CONTROL.matcher(correlation).find())
      throw new Wire.Refused("MALFORMED", "correlationId must have 1 to 64 printable characters");
  }

  /** (d) Decrypts the complainant JWE with the receiver's X25519 key through Nimbus. */
  private static void checkComplainant(Path vectors, String receiver, Federation federation, Outcome o,
      Map<String, Object> expected, String name, Checker.Report report) throws Exception {
    OctetKeyPair key = OctetKeyPair.parse(Files.readString(
        vectors.resolve("federation").resolve("keys").resolve(receiver + ".encryption.private.jwk.json")));
    String compact = o.body.get("complainant").toString();
    JWEObject jwe = JWEObject.parse(compact);
    Map<String, Object> published = JSONObjectUtils.getJSONObject(federation.members.get(receiver), "encryptionKey");
    report.expect(JWEAlgorithm.ECDH_ES_A256KW.equals(jwe.getHeader().getAlgorithm())
            && EncryptionMethod.A256GCM.equals(jwe.getHeader().getEncryptionMethod())
            && published.get("kid").equals(jwe.getHeader().getKeyID())
            && "json".equals(jwe.getHeader().getContentType()),
        name + ": complainant JWE header is ECDH-ES+A256KW / A256GCM / the receiver's kid / cty json");
    jwe.decrypt(new X25519Decrypter(key));
    report.expect(Wire.jsonEquals(jwe.getPayload().toJSONObject(), expected.get("complainant")),
        name + ": Nimbus X25519Decrypter reads the complainant");
  }
}
