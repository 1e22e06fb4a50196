import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DomainError } from '@xietong/contracts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const TIMESTAMPING = '1.3.6.1.5.5.7.3.8';

/** What a verified RFC 3161 token says: when the TSA saw the digest. */
export interface TimestampInfo {
  genTime: Date;
  /** The token's serial number (hex). */
  serial: string;
  policy: string;
}

const bytes = (b: ArrayBuffer | Uint8Array): Buffer =>
  b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b);
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();
const invalid = (m: string): never => {
  throw new DomainError('TIMESTAMP_INVALID', `timestamp token: ${m}`);
};

/** An RFC 3161 TimeStampReq (DER) for a SHA-256 digest, asking for the TSA certificate in the reply. */
export function timestampQuery(digest: Buffer, nonce: Buffer = randomBytes(8)): Buffer {
  if (digest.length !== 32) throw new DomainError('VALIDATION_FAILED', 'a timestamp needs a SHA-256 digest');
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(digest) }),
    }),
    // A positive INTEGER: the high bit clear.
    nonce: new asn1js.Integer({ valueHex: new Uint8Array([0x01, ...nonce]) }),
    certReq: true,
  });
  return bytes(req.toSchema().toBER(false));
}

/**
 * Asks the TSA at `url` for a token over the SHA-256 of `data` (RFC 3161 over HTTP) and checks that
 * the reply is granted and over that digest; returns the whole TimeStampResp (DER, a `.tsr` file).
 * TSA_UNAVAILABLE when the TSA cannot be reached or refuses.
 */
export async function requestTimestamp(url: string, data: Uint8Array, timeoutMs = 10_000): Promise<Buffer> {
  const digest = sha256(data);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: new Uint8Array(timestampQuery(digest)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new DomainError('TSA_UNAVAILABLE', `TSA ${url} cannot be reached: ${(e as Error).message}`);
  }
  if (!res.ok) throw new DomainError('TSA_UNAVAILABLE', `TSA ${url} answered HTTP ${res.status}`);
  const tsr = Buffer.from(await res.arrayBuffer());
  parseReply(tsr, digest);
  return tsr;
}

/** The TSTInfo and SignedData of a reply, after checking that it is granted and over `digest`. */
function parseReply(tsr: Buffer, digest: Buffer): { signed: pkijs.SignedData; info: pkijs.TSTInfo } {
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(new Uint8Array(tsr));
  } catch (e) {
    return invalid(`not a TimeStampResp (${(e as Error).message})`);
  }
  const status = resp.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods)
    throw new DomainError('TSA_UNAVAILABLE', `the TSA refused the request (PKIStatus ${status})`);
  if (!resp.timeStampToken) return invalid('the reply holds no token');
  const signed = new pkijs.SignedData({ schema: resp.timeStampToken.content });
  const content = signed.encapContentInfo.eContent;
  if (signed.encapContentInfo.eContentType !== pkijs.id_eContentType_TSTInfo || !content)
    return invalid('the token does not hold a TSTInfo');
  const info = pkijs.TSTInfo.fromBER(content.getValue());
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256) return invalid('the imprint is not SHA-256');
  if (!bytes(info.messageImprint.hashedMessage.getValue()).equals(digest))
    return invalid(`its imprint is not the digest ${digest.toString('hex')}`);
  return { signed, info };
}

/**
 * Verifies a TimeStampResp (`.tsr`) over `data`: granted, the imprint is the SHA-256 of `data`, and
 * the CMS signature is by the TSA certificate `tsaCertPem` (whatever certificates the token
 * carries), which must be a time-stamping certificate. TIMESTAMP_INVALID otherwise.
 */
export async function verifyTimestamp(tsr: Buffer, data: Uint8Array, tsaCertPem: string): Promise<TimestampInfo> {
  const { signed, info } = parseReply(tsr, sha256(data));
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(tsaCertPem);
  } catch (e) {
    return invalid(`the TSA certificate cannot be read (${(e as Error).message})`);
  }
  if (!(x509.keyUsage ?? []).includes(TIMESTAMPING))
    return invalid('the TSA certificate is not for time-stamping (extendedKeyUsage timeStamping)');
  const cert = pkijs.Certificate.fromBER(new Uint8Array(x509.raw));
  // Only the configured certificate may have signed: the token's own certificates are not trusted.
  signed.certificates = [cert];
  let ok: boolean;
  try {
    const copy = new Uint8Array(data);
    ok = await signed.verify({ signer: 0, checkChain: false, data: copy.buffer });
  } catch (e) {
    return invalid(`its signature does not verify with the TSA certificate (${(e as Error).message})`);
  }
  if (!ok) return invalid('its signature does not verify with the TSA certificate');
  return {
    genTime: info.genTime,
    serial: bytes(info.serialNumber.valueBlock.valueHexView).toString('hex'),
    policy: info.policy,
  };
}
