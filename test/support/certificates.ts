// Makes a throw-away certificate authority and server certificates with the `openssl` CLI, so
// that TLS tests run against certificates nobody else trusts. Never reuse these keys: they sit
// unencrypted in a temp folder and are deleted with it.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A CA's certificate and key, as PEM files. */
export interface TestCa {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A server certificate signed by a test CA. */
export interface TestServerCertificate {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `the TLS tests need the openssl CLI to make their certificates (${result.error.message}); install it with \`apt-get install -y openssl\``,
    );
  }
  if (result.status !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
  }
}

/** A new self-signed CA in `dir`, named `name` (also the files' prefix). */
export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}-ca.pem`);
  const keyFile = join(dir, `${name}-ca.key`);
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=redis-ha test CA ${name}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}

/**
 * A server certificate for `altNames` (e.g. `IP:127.0.0.1`, `DNS:localhost`) signed by `ca`,
 * usable by redis-server as both its server and its client certificate.
 */
export function makeServerCertificate(
  dir: string,
  ca: TestCa,
  altNames: readonly string[],
): TestServerCertificate {
  const keyFile = join(dir, 'server.key');
  const requestFile = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const extensionsFile = join(dir, 'server.ext');
  writeFileSync(
    extensionsFile,
    `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=redis-ha test server',
    '-keyout',
    keyFile,
    '-out',
    requestFile,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    requestFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    extensionsFile,
    '-out',
    certFile,
  ]);
  return { caFile: ca.certFile, certFile, keyFile };
}
