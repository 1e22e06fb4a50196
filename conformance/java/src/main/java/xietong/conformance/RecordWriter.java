package xietong.conformance;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.X25519Encrypter;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * (b) Writes records of our own, as a Java partner gateway would: for each valid business vector
 * (LEAD, CASE_RESULT, COMPLAINT, COMPLAINT_RESULT, REMINDER) a new record from the sender to the
 * receiver, body encoded with the catalog schema, envelope with BinaryMessageEncoder, signed with
 * Nimbus, EdDSA and ES256 in turn, a complaint's complainant encrypted with Nimbus to the
 * receiver's X25519 key from the manifest. Each record goes to OUT-DIR as NN-TYPE.value (the
 * record value bytes), NN-TYPE.jws (the xietong-jws header) and NN-TYPE.key (the record key),
 * listed in OUT-DIR/records.json with its topic and messageId.
 */
final class RecordWriter {
  private RecordWriter() {}

  static void run(Path vectors, Path out, String nowText, Checker.Report report) throws Exception {
    Instant now = nowText == null ? Instant.now() : Instant.parse(nowText);
    Path fedDir = vectors.resolve("federation");
    Federation federation = Federation.load(fedDir, now, report);
    List<Schema> envelopes = Wire.envelopeVersions(vectors);
    Files.createDirectories(out);

    List<Path> files;
    try (Stream<Path> s = Files.list(vectors.resolve("records"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    List<Map<String, Object>> written = new ArrayList<>();
    int n = 0;
    for (Path file : files) {
      Map<String, Object> vector = JSONObjectUtils.parse(Files.readString(file));
      Map<String, Object> expected = JSONObjectUtils.getJSONObject(vector, "expected");
      if (!"ACCEPTED".equals(expected.get("outcome"))) continue;
      Map<String, Object> env = JSONObjectUtils.getJSONObject(expected, "envelope");
      String type = (String) env.get("type");
      // A gateway writes receipts only in answer to messages, the audit witnessing only of its own chain,
      // and pings and erasure notices only when its operator asks: the partner writes business types.
      if (Federation.PROTOCOL_TYPES.contains(type)) continue;
      String sender = (String) env.get("sender");
      String recipient = (String) env.get("recipient");
      n++;
      // EdDSA and ES256 in turn, with the sender's keys of that algorithm.
      String alg = n % 2 == 1 ? "EdDSA" : "ES256";
      JWK key = signingKey(fedDir, federation, sender, alg, now);

      Map<String, Object> bodyJson = new LinkedHashMap<>(JSONObjectUtils.getJSONObject(expected, "body"));
      if ("COMPLAINT".equals(type))
        bodyJson.put("complainant", encryptComplainant(federation, recipient, JSONObjectUtils.getJSONObject(expected, "complainant")));
      String sha = null;
      Schema bodySchema = null;
      for (Map.Entry<String, Object[]> e : federation.catalog.entrySet()) {
        if (type.equals(e.getValue()[0])) {
          sha = e.getKey();
          bodySchema = (Schema) e.getValue()[1];
        }
      }
      byte[] body = encodeBody(bodySchema, fromJson(bodyJson, bodySchema));

      // The oldest envelope version that carries the type, as docs/wire-format.md (Versioning) says.
      Schema envelopeSchema = null;
      for (Schema s : envelopes)
        if (envelopeSchema == null && s.getField("type").schema().hasEnumSymbol(type)) envelopeSchema = s;
      BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), envelopeSchema);
      GenericRecord envelope = new GenericData.Record(envelopeSchema);
      String messageId = UUID.randomUUID().toString();
      envelope.put("messageId", messageId);
      envelope.put("type", new GenericData.EnumSymbol(envelopeSchema.getField("type").schema(), type));
      envelope.put("sender", sender);
      envelope.put("recipient", recipient);
      envelope.put("zone", env.get("zone"));
      envelope.put("correlationId", env.get("correlationId"));
      envelope.put("causationId", null);
      envelope.put("createdAt", now.toEpochMilli());
      envelope.put("bodySchema", new GenericData.Fixed(envelopeSchema.getField("bodySchema").schema(), Wire.HEX.parseHex(sha)));
      envelope.put("body", ByteBuffer.wrap(body));
      ByteBuffer encoded = encoder.encode(envelope);
      byte[] value = new byte[encoded.remaining()];
      encoded.get(value);

      JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID(key.getKeyID()).build(), new Payload(value));
      jws.sign(signer(key));
      String detached = jws.serialize(true);

      String base = String.format("%02d-%s", n, type);
      Files.write(out.resolve(base + ".value"), value);
      Files.writeString(out.resolve(base + ".jws"), detached);
      Files.writeString(out.resolve(base + ".key"), (String) env.get("correlationId"));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("file", base);
      entry.put("topic", JSONObjectUtils.getString(federation.members.get(recipient), "inbox"));
      entry.put("messageId", messageId);
      entry.put("type", type);
      entry.put("alg", alg);
      entry.put("kid", key.getKeyID());
      written.add(entry);
      report.ok(base + ": written by Java, " + alg + " key " + key.getKeyID() + ", messageId " + messageId);
    }
    Files.writeString(out.resolve("records.json"), JSONObjectUtils.toJSONString(Map.of("records", written)), StandardCharsets.UTF_8);
  }

  /** The sender's private key for `alg` (keys/<kid>.private.jwk.json) whose kid the manifest lists as valid now. */
  private static JWK signingKey(Path fedDir, Federation federation, String sender, String alg, Instant now) throws Exception {
    for (Map<String, Object> k : JSONObjectUtils.getJSONObjectArray(federation.members.get(sender), "signingKeys")) {
      Path file = fedDir.resolve("keys").resolve(k.get("kid") + ".private.jwk.json");
      boolean current = Instant.parse((String) k.get("notBefore")).isBefore(now)
          && Instant.parse((String) k.get("notAfter")).isAfter(now);
      if (alg.equals(k.get("alg")) && current && Files.exists(file)) return JWK.parse(Files.readString(file));
    }
    throw new IllegalStateException(sender + " has no current " + alg + " key with a private key file");
  }

  private static JWSSigner signer(JWK key) throws Exception {
    if (key instanceof OctetKeyPair okp) return new Ed25519Signer(okp);
    return new ECDSASigner((ECKey) key);
  }

  private static String encryptComplainant(Federation federation, String recipient, Map<String, Object> complainant) throws Exception {
    Map<String, Object> published = JSONObjectUtils.getJSONObject(federation.members.get(recipient), "encryptionKey");
    OctetKeyPair key = OctetKeyPair.parse(JSONObjectUtils.getJSONObject(published, "publicJwk"));
    JWEObject jwe = new JWEObject(
        new JWEHeader.Builder(JWEAlgorithm.ECDH_ES_A256KW, EncryptionMethod.A256GCM)
            .keyID((String) published.get("kid")).contentType("json").build(),
        new Payload(complainant));
    jwe.encrypt(new X25519Encrypter(key));
    return jwe.serialize();
  }

  static byte[] encodeBody(Schema schema, Object datum) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
    new GenericDatumWriter<Object>(schema).write(datum, enc);
    enc.flush();
    return bytes.toByteArray();
  }

  /** The inverse of Wire.toJson: the JSON form of docs/wire-format.md into an Avro datum. */
  static Object fromJson(Object json, Schema schema) {
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case NULL:
        return null;
      case UNION:
        for (Schema branch : schema.getTypes()) {
          if (json == null && branch.getType() == Schema.Type.NULL) return null;
          if (json != null && branch.getType() != Schema.Type.NULL) return fromJson(json, branch);
        }
        throw new IllegalArgumentException("no union branch for " + json);
      case RECORD: {
        Map<?, ?> m = (Map<?, ?>) json;
        GenericData.Record r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) r.put(f.name(), fromJson(m.get(f.name()), f.schema()));
        return r;
      }
      case ARRAY: {
        List<Object> items = new ArrayList<>();
        for (Object item : (List<?>) json) items.add(fromJson(item, schema.getElementType()));
        return new GenericData.Array<>(schema, items);
      }
      case ENUM:
        return new GenericData.EnumSymbol(schema, (String) json);
      case INT:
        if (logical != null && "date".equals(logical.getName())) return (int) LocalDate.parse((String) json).toEpochDay();
        return ((Number) json).intValue();
      case LONG:
        if (logical != null && "timestamp-millis".equals(logical.getName())) return Instant.parse((String) json).toEpochMilli();
        return ((Number) json).longValue();
      case BYTES:
        return ByteBuffer.wrap(Wire.HEX.parseHex((String) json));
      case FIXED:
        return new GenericData.Fixed(schema, Wire.HEX.parseHex((String) json));
      case BOOLEAN:
        return json;
      case FLOAT:
        return ((Number) json).floatValue();
      case DOUBLE:
        return ((Number) json).doubleValue();
      default:
        return json;
    }
  }
}
