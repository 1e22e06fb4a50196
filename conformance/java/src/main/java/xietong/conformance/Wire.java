package xietong.conformance;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.text.ParseException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * The parts of docs/wire-format.md a partner implements, with Apache Avro and Nimbus JOSE
 * standard APIs only.
 */
final class Wire {
  private Wire() {}

  static final String SIGNATURE_HEADER = "xietong-jws";
  static final HexFormat HEX = HexFormat.of();
  private static final DateTimeFormatter INSTANT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** A refusal with the reason code of the wire-format list. */
  static final class Refused extends Exception {
    final String code;

    Refused(String code, String detail) {
      super(code + ": " + detail);
      this.code = code;
    }
  }

  static Schema parseSchema(String json) {
    return new Schema.Parser().parse(json);
  }

  /**
   * Avro single-object decoding of the envelope with BinaryMessageDecoder: the header must be
   * C3 01 and the CRC-64-AVRO fingerprint of the envelope schema, and nothing may follow the datum.
   */
  static GenericRecord decodeEnvelope(Schema envelopeSchema, byte[] value) throws Refused {
    return decodeEnvelope(java.util.List.of(envelopeSchema), value);
  }

  /**
   * Standard single-object resolution over several envelope versions (oldest first): the header's
   * CRC-64-AVRO names the writer schema, resolved into the newest version (the reader).
   */
  static GenericRecord decodeEnvelope(java.util.List<Schema> versions, byte[] value) throws Refused {
    Schema reader = versions.get(versions.size() - 1);
    BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), reader);
    for (Schema older : versions.subList(0, versions.size() - 1)) decoder.addSchema(older);
    ByteArrayInputStream in = new ByteArrayInputStream(value);
    GenericRecord envelope;
    try {
      envelope = decoder.decode(in, null);
    } catch (IOException | RuntimeException e) {
      throw new Refused("MALFORMED", "not a single-object encoded envelope: " + e);
    }
    if (in.available() != 0) throw new Refused("MALFORMED", in.available() + " bytes after the envelope");
    return envelope;
  }

  /** The envelope versions in a directory (envelope.v<N>.avsc), oldest first. */
  static java.util.List<Schema> envelopeVersions(java.nio.file.Path dir) throws IOException {
    java.util.List<java.nio.file.Path> files;
    try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().matches("envelope\\.v\\d+\\.avsc"))
          .sorted(java.util.Comparator.comparingInt(
              p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", ""))))
          .toList();
    }
    java.util.List<Schema> out = new java.util.ArrayList<>();
    for (java.nio.file.Path f : files) out.add(new Schema.Parser().parse(f.toFile()));
    return out;
  }

  /** Plain Avro binary decoding of a body with its writer schema; trailing bytes are refused. */
  static GenericRecord decodeBody(Schema writer, byte[] body) throws Refused {
    try {
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
      GenericRecord record = new GenericDatumReader<GenericRecord>(writer).read(null, decoder);
      if (!decoder.isEnd()) throw new Refused("MALFORMED", "bytes after the body");
      return record;
    } catch (IOException | RuntimeException e) {
      throw new Refused("MALFORMED", "body does not decode: " + e);
    }
  }

  static byte[] bytes(Object avroBytes) {
    ByteBuffer b = ((ByteBuffer) avroBytes).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** The JWS verifier for a member's public JWK (Ed25519 through Tink, P-256 through the JDK). */
  static JWSVerifier verifier(JWK publicJwk) throws JOSEException {
    if (publicJwk instanceof OctetKeyPair okp) return new Ed25519Verifier(okp);
    if (publicJwk instanceof ECKey ec) return new ECDSAVerifier(ec);
    throw new JOSEException("unsupported key type " + publicJwk.getKeyType());
  }

  /** Parses the detached compact JWS of a record (RFC 7515 Appendix F) with the record value as payload. */
  static JWSObject parseDetached(String jws, byte[] value) throws Refused {
    String[] parts = jws.split("\\.", -1);
    if (parts.length != 3 || !parts[1].isEmpty()) throw new Refused("SIGNATURE_INVALID", "not a detached compact JWS");
    try {
      return JWSObject.parse(jws, new Payload(value));
    } catch (ParseException e) {
      throw new Refused("SIGNATURE_INVALID", "JWS does not parse: " + e.getMessage());
    }
  }

  static JWSAlgorithm alg(String name) {
    return JWSAlgorithm.parse(name);
  }

  static String instant(long millis) {
    return INSTANT.format(Instant.ofEpochMilli(millis));
  }

  /**
   * The JSON form of an Avro datum, as docs/wire-format.md gives it for HTTP bodies: dates
   * "YYYY-MM-DD", timestamp-millis ISO-8601 UTC with milliseconds, a union as its branch's value
   * (null or the value itself), enums as their symbol, bytes and fixed as lowercase hex.
   */
  static Object toJson(Object datum, Schema schema) {
    if (datum == null) return null;
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case UNION:
        return toJson(datum, schema.getTypes().get(GenericData.get().resolveUnion(schema, datum)));
      case RECORD: {
        GenericRecord r = (GenericRecord) datum;
        Map<String, Object> m = new LinkedHashMap<>();
        for (Schema.Field f : schema.getFields()) m.put(f.name(), toJson(r.get(f.pos()), f.schema()));
        return m;
      }
      case ARRAY: {
        List<Object> list = new ArrayList<>();
        for (Object item : (List<?>) datum) list.add(toJson(item, schema.getElementType()));
        return list;
      }
      case MAP: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet())
          m.put(e.getKey().toString(), toJson(e.getValue(), schema.getValueType()));
        return m;
      }
      case INT:
        if (logical != null && "date".equals(logical.getName()))
          return LocalDate.ofEpochDay((Integer) datum).toString();
        return ((Integer) datum).longValue();
      case LONG:
        if (logical != null && "timestamp-millis".equals(logical.getName())) return instant((Long) datum);
        return datum;
      case BYTES:
        return HEX.formatHex(bytes(datum));
      case FIXED:
        return HEX.formatHex(((GenericFixed) datum).bytes());
      case ENUM:
      case STRING:
        return datum.toString();
      case FLOAT:
      case DOUBLE:
        return ((Number) datum).doubleValue();
      default:
        return datum;
    }
  }

  /** JSON values parsed by Nimbus (Long/Double/String/List/Map) compared with toJson's. */
  static boolean jsonEquals(Object a, Object b) {
    if (a == null || b == null) return a == b;
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (!x.keySet().equals(y.keySet())) return false;
      for (Object k : x.keySet()) if (!jsonEquals(x.get(k), y.get(k))) return false;
      return true;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) return false;
      for (int i = 0; i < x.size(); i++) if (!jsonEquals(x.get(i), y.get(i))) return false;
      return true;
    }
    return a.equals(b);
  }
}
