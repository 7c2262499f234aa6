// The controller's TLS files (src/redis/tls-pki.ts, with the real openssl binary): the CA made
// once and private, node certificates that name the node and are judged again on every run (a
// foreign CA, a key that does not match, a name missing, expiry within the renewal window), a
// renewal that keeps the key, and where the files live (src/redis/endpoint.ts).
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tlsLocalDir, tlsLocalFiles, type TlsLocalFiles } from "../../src/redis/endpoint.js";
import { certProblem, ensureCa, issueCert, type CertWanted } from "../../src/redis/tls-pki.js";

const root = mkdtempSync(join(tmpdir(), "redplay-pki-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const filesIn = (name: string, host = "node-1"): TlsLocalFiles => tlsLocalFiles(host, { redis_tls_local_dir: join(root, name) });
const node: CertWanted = { cn: "node-1", names: ["10.0.0.1", "node-1"], days: 825, renewDays: 30, usage: "server" };

describe("the group's CA and certificates", () => {
  it("makes the CA once, private: a 0700 directory that git ignores, the key 0600", async () => {
    const f = filesIn("a");
    expect(await ensureCa(f, "a")).toBe(true);
    expect(await ensureCa(f, "a")).toBe(false);
    expect(statSync(f.dir).mode & 0o777).toBe(0o700);
    expect(statSync(f.caKey!).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(f.dir, ".gitignore"), "utf8")).toContain("*");
    const ca = new X509Certificate(readFileSync(f.caCert));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain("redplay CA a");
  });

  it("issues a node certificate for its address and name, for server and client use, which then needs nothing", async () => {
    const f = filesIn("a");
    expect(certProblem(null, null, readFileSync(f.caCert), node)).toBe("no certificate yet");
    await issueCert(f, f.cert, f.key, node);
    expect(statSync(f.key).mode & 0o777).toBe(0o600);
    const pem = readFileSync(f.cert);
    const c = new X509Certificate(pem);
    expect(c.subject).toContain("CN=node-1");
    expect(c.subjectAltName).toBe("IP Address:10.0.0.1, DNS:node-1");
    expect(c.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(c.ca).toBe(false);
    expect(certProblem(pem, readFileSync(f.key), readFileSync(f.caCert), node)).toBeUndefined();
    const days = (Date.parse(c.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(823);
    expect(days).toBeLessThan(826);
  });

  it("names what is wrong with a certificate: a name missing, expiry within the window, a foreign CA, a key that does not match", async () => {
    const f = filesIn("a");
    const [pem, key, ca] = [readFileSync(f.cert), readFileSync(f.key), readFileSync(f.caCert)];
    expect(certProblem(pem, key, ca, { ...node, names: ["10.0.0.9"] })).toBe("it does not name 10.0.0.9");
    expect(certProblem(pem, key, ca, { ...node, names: ["node-2"] })).toBe("it does not name node-2");
    expect(certProblem(pem, key, ca, { ...node, renewDays: 900 })).toMatch(/^it expires on \d{4}-\d{2}-\d{2}, within 900 days \(redis_tls_renew_days\)$/);
    const other = filesIn("b");
    await ensureCa(other, "b");
    expect(certProblem(pem, key, readFileSync(other.caCert), node)).toBe("not signed by the group's CA");
    await issueCert(other, other.cert, other.key, node);
    expect(certProblem(pem, readFileSync(other.key), ca, node)).toBe("its key does not match it");
    expect(certProblem(Buffer.from("not a certificate"), key, ca, node)).toMatch(/^the certificate cannot be read/);
  });

  it("a renewal issues a new certificate for the same key", async () => {
    const f = filesIn("a");
    const [pem, key] = [readFileSync(f.cert), readFileSync(f.key)];
    await issueCert(f, f.cert, f.key, node);
    expect(readFileSync(f.key)).toEqual(key);
    const renewed = readFileSync(f.cert);
    expect(new X509Certificate(renewed).serialNumber).not.toBe(new X509Certificate(pem).serialNumber);
    expect(certProblem(renewed, key, readFileSync(f.caCert), node)).toBeUndefined();
  });

  it("redplay's client certificate is for client use only, and names no host", async () => {
    const f = filesIn("a");
    const want: CertWanted = { ...node, cn: "redplay", names: [], usage: "client" };
    await issueCert(f, f.clientCert, f.clientKey, want);
    const c = new X509Certificate(readFileSync(f.clientCert));
    expect(c.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(c.subjectAltName).toBeUndefined();
    expect(certProblem(readFileSync(f.clientCert), readFileSync(f.clientKey), readFileSync(f.caCert), want)).toBeUndefined();
  });

  it("without the CA's key nothing is issued, and the error says what to give", async () => {
    const f = tlsLocalFiles("node-1", { redis_tls_local_dir: join(root, "c"), redis_tls_ca_cert: filesIn("a").caCert });
    expect(f.caKey).toBeUndefined();
    await expect(issueCert(f, f.cert, f.key, node)).rejects.toThrow(/redis_tls_ca_key, or each host's redis_tls_cert and redis_tls_key/);
    await expect(ensureCa(tlsLocalFiles("node-1", { redis_tls_ca_cert: join(root, "missing.crt") }), "x")).rejects.toThrow(/redis_tls_ca_cert .*missing\.crt does not exist/);
  });
});

describe("where the controller keeps them", () => {
  it("tls/<inventory name> beside the inventory file, unless redis_tls_local_dir says", () => {
    expect(tlsLocalDir({ inventory_file: "/srv/ops/inventory/prod.yaml" })).toBe("/srv/ops/inventory/tls/prod");
    expect(tlsLocalDir({ inventory_file: "/srv/ops/inventory/prod.yaml,/srv/ops/inventory/extra.yaml" })).toBe("/srv/ops/inventory/tls/prod");
    expect(tlsLocalDir({ inventory_file: "/x/hosts", redis_tls_local_dir: "/etc/redplay/pki" })).toBe("/etc/redplay/pki");
  });

  it("a host's own files when the user gives them: nothing issued for it", () => {
    const f = tlsLocalFiles("node-2", { inventory_file: "/i/prod.yaml", redis_tls_cert: "/pki/n2.crt", redis_tls_key: "/pki/n2.key", redis_tls_ca_cert: "/pki/ca.crt", redis_tls_ca_key: "/pki/ca.key" });
    expect(f).toMatchObject({ cert: "/pki/n2.crt", key: "/pki/n2.key", caCert: "/pki/ca.crt", caKey: "/pki/ca.key", userCert: true, userCa: true, dir: "/i/tls/prod" });
    expect(tlsLocalFiles("node-2", { inventory_file: "/i/prod.yaml" })).toMatchObject({ cert: "/i/tls/prod/node-2.crt", key: "/i/tls/prod/node-2.key", caKey: "/i/tls/prod/ca.key", userCert: false });
  });
});
