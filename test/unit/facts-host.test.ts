// gather_facts: the facts Redis roles read, parsed from one command's output (fixtures), in
// Ansible's names and shapes; in a play they are there before the first task, and a fact redplay
// does not gather is an error naming it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { factError, parseHostFacts } from "../../src/facts/host-facts.js";
import { renderString } from "../../src/template/handlebars.js";
import { runMain } from "../helpers/main.js";

const fixture = (name: string) => parseHostFacts(readFileSync(`test/fixtures/facts/host/${name}.txt`, "utf8"));

describe("host facts", () => {
  it.each([
    [
      "ubuntu2204-systemd",
      {
        ansible_hostname: "redis-1",
        ansible_fqdn: "redis-1.example.internal",
        ansible_distribution: "Ubuntu",
        ansible_distribution_release: "jammy",
        ansible_distribution_version: "22.04",
        ansible_distribution_major_version: "22",
        ansible_os_family: "Debian",
        ansible_default_ipv4: { address: "10.0.0.21", interface: "ens5", gateway: "10.0.0.1" },
        ansible_memtotal_mb: 3931,
        ansible_processor_vcpus: 4,
        ansible_service_mgr: "systemd",
      },
    ],
    [
      "debian12-container",
      {
        ansible_hostname: "vm",
        ansible_fqdn: "localhost",
        ansible_distribution: "Debian",
        ansible_distribution_release: "bookworm",
        ansible_distribution_version: "12.11",
        ansible_distribution_major_version: "12",
        ansible_os_family: "Debian",
        ansible_default_ipv4: { address: "192.0.2.2", interface: "eth0", gateway: "192.0.2.1" },
        ansible_memtotal_mb: 24105,
        ansible_processor_vcpus: 2,
        ansible_service_mgr: "process_api",
      },
    ],
    [
      "rocky9-no-route",
      {
        ansible_hostname: "db",
        ansible_distribution: "Rocky",
        ansible_distribution_major_version: "9",
        ansible_os_family: "RedHat",
        ansible_default_ipv4: {},
        ansible_memtotal_mb: 1024,
        ansible_service_mgr: "service",
      },
    ],
  ])("%s", (name, expected) => {
    const facts = fixture(name);
    expect(facts).toMatchObject(expected);
    expect((facts.ansible_facts as Record<string, unknown>).hostname).toBe(facts.ansible_hostname);
  });

  it("a fact not gathered, or not gathered by this play, is named", () => {
    expect(factError("ansible_processor_cores", true)).toMatch(/^fact "ansible_processor_cores" is not one redplay gathers \(it gathers ansible_hostname, /);
    expect(factError("ansible_hostname", false)).toBe('"ansible_hostname" is a fact: set gather_facts: true on the play');
  });
});

describe("gather_facts in a play", () => {
  const dir = "test/fixtures/facts/play";
  it("facts are there before the first task, under --check too", async () => {
    const r = await runMain(["run", `${dir}/gather.yaml`, "-i", "test/fixtures/vault/hosts.yaml", "--check"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("TASK [Gathering Facts]");
    expect(r.stdout).toMatch(/ok: \[localhost\] => os=\S+ family=\S+ mem=\d+ cpus=\d+ ip=\S+ mgr=\S+/);
  });

  it("validate names a fact redplay does not gather, and a fact read without gather_facts", async () => {
    const r = await runMain(["validate", `${dir}/bad-facts.yaml`, "-i", "test/fixtures/vault/hosts.yaml"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${dir}/bad-facts.yaml:6:14: fact "ansible_processor_cores" is not one redplay gathers (it gathers ansible_hostname,`);
    expect(r.stderr).toContain(`${dir}/bad-facts.yaml:11:14: "ansible_hostname" is a fact: set gather_facts: true on the play`);
    expect(r.stderr.trim().split("\n")).toHaveLength(2);
  });

  it("run refuses a fact redplay does not gather before touching a host; at render time it is named too", async () => {
    const r = await runMain(["run", `${dir}/runtime-fact.yaml`, "-i", "test/fixtures/vault/hosts.yaml"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${dir}/runtime-fact.yaml:5:14: fact "ansible_kernel" is not one redplay gathers`);
    expect(() => renderString("{{ansible_kernel}}", {}, { host: "node-1" })).toThrow(
      /^undefined variable "ansible_kernel" \(host node-1\): fact "ansible_kernel" is not one redplay gathers/,
    );
  });
});
