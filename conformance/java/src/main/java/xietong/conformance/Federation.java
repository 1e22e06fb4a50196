package xietong.conformance;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * (c) The signed federation manifest, read as docs/wire-format.md describes it: a compact JWS
 * (attached payload, typ xietong-manifest+json) by the zone authority over JSON with members,
 * agreements and the schema catalog. The catalog's fingerprints are recomputed with
 * SchemaNormalization before any schema is trusted.
 */
final class Federation {
  final Map<String, Object> manifest;
  final Map<String, Map<String, Object>> members = new HashMap<>();
  final List<Map<String, Object>> agreements;
  /** Catalog: SHA-256 (hex) of the Parsing Canonical Form -> [message type, writer schema]. */
  final Map<String, Object[]> catalog = new HashMap<>();

  private Federation(Map<String, Object> manifest) throws Exception {
    this.manifest = manifest;
    for (Map<String, Object> m : JSONObjectUtils.getJSONObjectArray(manifest, "members"))
      members.put((String) m.get("id"), m);
    this.agreements = List.of(JSONObjectUtils.getJSONObjectArray(manifest, "agreements"));
    for (Map<String, Object> s : JSONObjectUtils.getJSONObjectArray(manifest, "schemas")) {
      Schema schema = Wire.parseSchema(JSONObjectUtils.toJSONString(JSONObjectUtils.getJSONObject(s, "schema")));
      String sha = Wire.HEX.formatHex(Fingerprints.sha256(schema));
      if (!sha.equals(s.get("fingerprint")))
        throw new IllegalStateException("catalog entry " + s.get("name") + " says " + s.get("fingerprint") + ", SchemaNormalization gives " + sha);
      catalog.put(sha, new Object[] {s.get("type"), schema});
    }
  }

  /** Verifies the manifest of a federation directory against its authority key, at `now`. */
  static Federation load(Path dir, Instant now, Checker.Report report) throws Exception {
    JWK authority = JWK.parse(Files.readString(dir.resolve("authority.public.jwk.json")));
    String text = Files.readString(dir.resolve("manifest.jws")).trim();
    JWSObject jws = JWSObject.parse(text);
    report.expect(new JOSEObjectType("xietong-manifest+json").equals(jws.getHeader().getType()),
        "manifest: typ is xietong-manifest+json");
    report.expect(authority.getKeyID().equals(jws.getHeader().getKeyID()), "manifest: signed by the authority kid");
    boolean verified = jws.verify(Wire.verifier(authority));
    report.expect(verified, "manifest: Nimbus verifies the zone authority signature");
    if (!verified) throw new IllegalStateException("manifest signature does not verify");
    String[] parts = text.split("\\.");
    byte[] payload = jws.getPayload().toBytes();
    payload[payload.length / 2] ^= 1;
    JWSObject tampered = new JWSObject(jws.getHeader().toBase64URL(),
        com.nimbusds.jose.util.Base64URL.encode(payload), new com.nimbusds.jose.util.Base64URL(parts[2]));
    report.expect(!tampered.verify(Wire.verifier(authority)), "manifest: a changed payload byte fails verification");
    Map<String, Object> manifest = jws.getPayload().toJSONObject();
    report.expect(("xietong-manifest/2".equals(manifest.get("format")) || "xietong-manifest/3".equals(manifest.get("format"))) && manifest.get("federation") instanceof String,
        "manifest: format xietong-manifest/2 or 3 with a federation id");
    report.expect(Instant.parse((String) manifest.get("expiresAt")).isAfter(now), "manifest: not expired at " + now);
    Federation f = new Federation(manifest);
    report.ok("manifest: " + f.catalog.size() + " catalog schemas match their SchemaNormalization SHA-256");
    return f;
  }

  /** Whether a member declares a message type in its capabilities (format 3; format 2: every type). */
  boolean accepts(String member, String type) throws Exception {
    Map<String, Object> m = members.get(member);
    if (m == null || !m.containsKey("accepts")) return true;
    if ("RECEIPT".equals(type)) return true;
    Map<String, Object> types = JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(m, "accepts"), "messageTypes");
    return types.containsKey(type);
  }

  /** A member's signing key entry for kid, or null. */
  Map<String, Object> signingKey(String member, String kid) throws Exception {
    for (Map<String, Object> k : JSONObjectUtils.getJSONObjectArray(members.get(member), "signingKeys"))
      if (kid.equals(k.get("kid"))) return k;
    return null;
  }

  /** Division-code coverage: a province xx0000 covers xx*, a city xxxx00 covers xxxx*, a county itself. */
  static boolean covers(String memberCode, String code) {
    if (memberCode.equals(code)) return true;
    if (memberCode.endsWith("0000")) return code.startsWith(memberCode.substring(0, 2));
    if (memberCode.endsWith("00")) return code.startsWith(memberCode.substring(0, 4));
    return false;
  }

  /**
   * The gateways' own protocol types: receipts, the audit witnessing and the control types (the
   * connectivity check PING, ERASURE_NOTICE); any shared agreement carries them.
   */
  static final Set<String> PROTOCOL_TYPES =
      Set.of("RECEIPT", "AUDIT_CHECKPOINT", "AUDIT_COUNTERSIGN", "PING", "ERASURE_NOTICE");

  /** Whether agreement `id` has both agencies as parties and lists `type` (protocol types: any shared agreement). */
  boolean agreementCovers(String id, String sender, String recipient, String type) throws Exception {
    for (Map<String, Object> a : agreements) {
      if (!id.equals(a.get("id"))) continue;
      List<String> parties = JSONObjectUtils.getStringList(a, "members");
      boolean both = parties.stream().anyMatch(p -> covers(p, sender)) && parties.stream().anyMatch(p -> covers(p, recipient));
      if (both && (PROTOCOL_TYPES.contains(type) || JSONObjectUtils.getStringList(a, "messageTypes").contains(type))) return true;
    }
    return false;
  }
}
