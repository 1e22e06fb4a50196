#!/usr/bin/env node
// A small RFC 3161 time-stamping authority for tests and the demo: an HTTP wrapper around
// `openssl ts -reply`. POST application/timestamp-query -> application/timestamp-reply.
//
//   node tools/tsa/server.mjs --dir <data folder> [--port 0] [--host 127.0.0.1]
//
// At first start it makes a P-256 key and a self-signed certificate (extendedKeyUsage critical
// timeStamping) in the data folder; it prints one line `tsa listening on <url> cert <file>`.
// Not for production: a real agency uses its accredited TSA.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const dir = resolve(arg('dir', join(process.cwd(), 'data', 'tsa')));
const port = Number(arg('port', '0'));
const host = arg('host', '127.0.0.1');
const files = {
  key: join(dir, 'tsa.key'),
  cert: join(dir, 'tsa.crt'),
  serial: join(dir, 'serial'),
  config: join(dir, 'tsa.cnf'),
};

async function prepare() {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(files.cert)) {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      files.key,
      '-out',
      files.cert,
      '-days',
      '3650',
      '-subj',
      '/O=Xietong test/CN=Xietong test TSA',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature',
      '-addext',
      'extendedKeyUsage=critical,timeStamping',
    ]);
  }
  if (!existsSync(files.serial)) writeFileSync(files.serial, '01\n');
  writeFileSync(
    files.config,
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `serial = ${files.serial}`,
      'crypto_device = builtin',
      `signer_cert = ${files.cert}`,
      `certs = ${files.cert}`,
      `signer_key = ${files.key}`,
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.59999.1.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
}

// openssl increments the serial file: one reply at a time.
let queue = Promise.resolve();

async function reply(query) {
  const work = await mkdtemp(join(tmpdir(), 'xt-tsa-'));
  try {
    await writeFile(join(work, 'q.tsq'), query);
    await run('openssl', [
      'ts',
      '-reply',
      '-config',
      files.config,
      '-queryfile',
      join(work, 'q.tsq'),
      '-out',
      join(work, 'r.tsr'),
    ]);
    return await readFile(join(work, 'r.tsr'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await prepare();
const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
    res.writeHead(415, { 'content-type': 'text/plain' }).end('POST application/timestamp-query\n');
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 64 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    const answer = queue.then(() => reply(Buffer.concat(chunks)));
    queue = answer.catch(() => undefined);
    answer.then(
      (tsr) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(tsr),
      (e) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
    );
  });
});
server.listen(port, host, () => {
  const { port: bound } = server.address();
  process.stdout.write(`tsa listening on http://${host}:${bound}/ cert ${files.cert}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
