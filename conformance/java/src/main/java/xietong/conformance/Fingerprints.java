package xietong.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/** Fingerprints of a schema as Apache Avro computes them from its Parsing Canonical Form. */
final class Fingerprints {
  private Fingerprints() {}

  /** CRC-64-AVRO of the Parsing Canonical Form, as the 8 little-endian bytes of the single-object header. */
  static byte[] rabinLittleEndian(Schema schema) {
    return ByteBuffer.allocate(8)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(SchemaNormalization.parsingFingerprint64(schema))
        .array();
  }

  /** SHA-256 of the Parsing Canonical Form (the envelope's bodySchema and the catalog's fingerprint). */
  static byte[] sha256(Schema schema) {
    try {
      return SchemaNormalization.parsingFingerprint("SHA-256", schema);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prints: file, CRC-64-AVRO (little-endian hex), SHA-256 (hex), Parsing Canonical Form. */
  static void print(Path file, PrintStream out) throws IOException {
    Schema schema = new Schema.Parser().parse(file.toFile());
    HexFormat hex = HexFormat.of();
    out.println(file.getFileName() + "\t" + hex.formatHex(rabinLittleEndian(schema)) + "\t"
        + hex.formatHex(sha256(schema)) + "\t" + SchemaNormalization.toParsingForm(schema));
  }
}
